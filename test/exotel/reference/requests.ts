/**
 * The requests of the Exotel v2 reference (specs/exotel-sip-trunking-v2.md), copied verbatim:
 * the 11 endpoint sections, then the three end-to-end examples.
 */

export const CREATE_TRUNK = String.raw`curl -X POST "https://exoteltest:a1b2c3d4e5f6g7h8i9j0@api.in.exotel.com/v2/accounts/exoteltest/trunks" \
  -H "Content-Type: application/json" \
  -d '{
    "trunk_name": "outbound_trunk",
    "nso_code": "ANY-ANY",
    "domain_name": "exoteltest.pstn.exotel.com"
  }'`;

export const MAP_NUMBER_PSTN = String.raw`curl -X POST "https://exoteltest:a1b2c3d4e5f6g7h8i9j0@api.in.exotel.com/v2/accounts/exoteltest/trunks/trmum1a2b3c4d5e6f7890123456/phone-numbers" \
  -H "Content-Type: application/json" \
  -d '{
    "phone_number": "+919876543210",
    "mode": "pstn"
  }'`;

export const MAP_NUMBER_FLOW = String.raw`curl -X POST "https://exoteltest:a1b2c3d4e5f6g7h8i9j0@api.in.exotel.com/v2/accounts/exoteltest/trunks/trmum1a2b3c4d5e6f7890123456/phone-numbers" \
  -H "Content-Type: application/json" \
  -d '{
    "phone_number": "+919876543210",
    "mode": "flow"
  }'`;

export const UPDATE_MODE_FLOW = String.raw`curl -X PUT "https://exoteltest:a1b2c3d4e5f6g7h8i9j0@api.in.exotel.com/v2/accounts/exoteltest/trunks/trmum1a2b3c4d5e6f7890123456/phone-numbers/pn_9876543210_001" \
  -H "Content-Type: application/json" \
  -d '{
    "phone_number": "+919876543210",
    "mode": "flow"
  }'`;

export const UPDATE_MODE_PSTN = String.raw`curl -X PUT "https://exoteltest:a1b2c3d4e5f6g7h8i9j0@api.in.exotel.com/v2/accounts/exoteltest/trunks/trmum1a2b3c4d5e6f7890123456/phone-numbers/pn_9876543210_001" \
  -H "Content-Type: application/json" \
  -d '{
    "phone_number": "+919876543210",
    "mode": "pstn"
  }'`;

export const WHITELIST_IP = String.raw`curl -X POST "https://exoteltest:a1b2c3d4e5f6g7h8i9j0@api.in.exotel.com/v2/accounts/exoteltest/trunks/trmum1a2b3c4d5e6f7890123456/whitelisted-ips" \
  -H "Content-Type: application/json" \
  -d '{
    "ip": "203.0.113.50",
    "mask": 32
  }'`;

export const ADD_DESTINATION_TLS = String.raw`curl -X POST "https://exoteltest:a1b2c3d4e5f6g7h8i9j0@api.in.exotel.com/v2/accounts/exoteltest/trunks/trmum1a2b3c4d5e6f7890123456/destination-uris" \
  -H "Content-Type: application/json" \
  -d '{
    "destinations": [
      {"destination": "203.0.113.50:5061;transport=tls"}
    ]
  }'`;

export const ADD_DESTINATION_TCP = String.raw`curl -X POST "https://exoteltest:a1b2c3d4e5f6g7h8i9j0@api.in.exotel.com/v2/accounts/exoteltest/trunks/trmum1a2b3c4d5e6f7890123456/destination-uris" \
  -H "Content-Type: application/json" \
  -d '{
    "destinations": [
      {"destination": "203.0.113.50:5060;transport=tcp"}
    ]
  }'`;

export const ADD_DESTINATION_FQDN = String.raw`curl -X POST "https://exoteltest:a1b2c3d4e5f6g7h8i9j0@api.in.exotel.com/v2/accounts/exoteltest/trunks/trmum1a2b3c4d5e6f7890123456/destination-uris" \
  -H "Content-Type: application/json" \
  -d '{
    "destinations": [
      {"destination": "sip.mycompany.com:5061;transport=tls"}
    ]
  }'`;

export const GET_CREDENTIALS = String.raw`curl -X GET "https://exoteltest:a1b2c3d4e5f6g7h8i9j0@api.in.exotel.com/v2/accounts/exoteltest/trunks/trmum1a2b3c4d5e6f7890123456/credentials"`;

export const GET_PHONE_NUMBERS = String.raw`curl -X GET "https://exoteltest:a1b2c3d4e5f6g7h8i9j0@api.in.exotel.com/v2/accounts/exoteltest/trunks/trmum1a2b3c4d5e6f7890123456/phone-numbers"`;

export const GET_WHITELISTED_IPS = String.raw`curl -X GET "https://exoteltest:a1b2c3d4e5f6g7h8i9j0@api.in.exotel.com/v2/accounts/exoteltest/trunks/trmum1a2b3c4d5e6f7890123456/whitelisted-ips"`;

export const GET_DESTINATION_URIS = String.raw`curl -X GET "https://exoteltest:a1b2c3d4e5f6g7h8i9j0@api.in.exotel.com/v2/accounts/exoteltest/trunks/trmum1a2b3c4d5e6f7890123456/destination-uris"`;

export const SET_TRUNK_ALIAS = String.raw`curl -X POST "https://exoteltest:a1b2c3d4e5f6g7h8i9j0@api.in.exotel.com/v2/accounts/exoteltest/trunks/trmum1a2b3c4d5e6f7890123456/settings" \
  -H "Content-Type: application/json" \
  -d '{
    "settings": [
      {"name": "trunk_external_alias", "value": "+919876543210"}
    ]
  }'`;

export const DELETE_TRUNK = String.raw`curl -X DELETE "https://exoteltest:a1b2c3d4e5f6g7h8i9j0@api.in.exotel.com/v2/accounts/exoteltest/trunks?trunk_sid=trmum1a2b3c4d5e6f7890123456"`;

export const E2E_OUTBOUND = String.raw`# Step 1: Create Trunk
curl -X POST "https://exoteltest:a1b2c3d4e5f6g7h8i9j0@api.in.exotel.com/v2/accounts/exoteltest/trunks" \
  -H "Content-Type: application/json" \
  -d '{"trunk_name": "outbound_trunk", "nso_code": "ANY-ANY", "domain_name": "exoteltest.pstn.exotel.com"}'
# Response: trunk_sid = "trmum1a2b3c4d5e6f7890123456"

# Step 2: Map Phone Number
curl -X POST "https://exoteltest:a1b2c3d4e5f6g7h8i9j0@api.in.exotel.com/v2/accounts/exoteltest/trunks/trmum1a2b3c4d5e6f7890123456/phone-numbers" \
  -H "Content-Type: application/json" \
  -d '{"phone_number": "+919876543210", "mode": "pstn"}'

# Step 3: Whitelist IP
curl -X POST "https://exoteltest:a1b2c3d4e5f6g7h8i9j0@api.in.exotel.com/v2/accounts/exoteltest/trunks/trmum1a2b3c4d5e6f7890123456/whitelisted-ips" \
  -H "Content-Type: application/json" \
  -d '{"ip": "203.0.113.50", "mask": 32}'

# Step 4: Get Credentials
curl -X GET "https://exoteltest:a1b2c3d4e5f6g7h8i9j0@api.in.exotel.com/v2/accounts/exoteltest/trunks/trmum1a2b3c4d5e6f7890123456/credentials"
# Response: username="trmum1a2b3c4d5e6f7890123456", password="Xk9mP2nQ4rS6tU8v"`;

export const E2E_INBOUND = String.raw`# Step 1: Create Trunk
curl -X POST "https://exoteltest:a1b2c3d4e5f6g7h8i9j0@api.in.exotel.com/v2/accounts/exoteltest/trunks" \
  -H "Content-Type: application/json" \
  -d '{"trunk_name": "inbound_trunk", "nso_code": "ANY-ANY", "domain_name": "exoteltest.pstn.exotel.com"}'
# Response: trunk_sid = "trmum2b3c4d5e6f7890123457"

# Step 2: Map Phone Number
curl -X POST "https://exoteltest:a1b2c3d4e5f6g7h8i9j0@api.in.exotel.com/v2/accounts/exoteltest/trunks/trmum2b3c4d5e6f7890123457/phone-numbers" \
  -H "Content-Type: application/json" \
  -d '{"phone_number": "+911800123456"}'

# Step 3: Add Destination URI
curl -X POST "https://exoteltest:a1b2c3d4e5f6g7h8i9j0@api.in.exotel.com/v2/accounts/exoteltest/trunks/trmum2b3c4d5e6f7890123457/destination-uris" \
  -H "Content-Type: application/json" \
  -d '{"destinations": [{"destination": "203.0.113.50:5061;transport=tls"}]}'`;

export const E2E_STREAMKIT = String.raw`# Step 1: Create Trunk
curl -X POST "https://exoteltest:a1b2c3d4e5f6g7h8i9j0@api.in.exotel.com/v2/accounts/exoteltest/trunks" \
  -H "Content-Type: application/json" \
  -d '{"trunk_name": "streamkit_trunk", "nso_code": "ANY-ANY", "domain_name": "exoteltest.pstn.exotel.com"}'
# Response: trunk_sid = "trmum3c4d5e6f7890123458"

# Step 2: Map Phone Number with Flow Mode
curl -X POST "https://exoteltest:a1b2c3d4e5f6g7h8i9j0@api.in.exotel.com/v2/accounts/exoteltest/trunks/trmum3c4d5e6f7890123458/phone-numbers" \
  -H "Content-Type: application/json" \
  -d '{"phone_number": "+919876543210", "mode": "flow"}'

# Step 3: Whitelist IP
curl -X POST "https://exoteltest:a1b2c3d4e5f6g7h8i9j0@api.in.exotel.com/v2/accounts/exoteltest/trunks/trmum3c4d5e6f7890123458/whitelisted-ips" \
  -H "Content-Type: application/json" \
  -d '{"ip": "203.0.113.50", "mask": 32}'

# Step 4: Get Credentials
curl -X GET "https://exoteltest:a1b2c3d4e5f6g7h8i9j0@api.in.exotel.com/v2/accounts/exoteltest/trunks/trmum3c4d5e6f7890123458/credentials"`;
