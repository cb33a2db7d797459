import { Type, type Static } from "@sinclair/typebox";

/**
 * The carrier wire's documents. The route validator checks types with these (every type error
 * at once); what a value means (regions, IPv4, country codes, ...) is the domain's to judge.
 */
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const SipTrunkAttributes = Type.Object({
  name: Type.String({ description: "Unique in the account" }),
  authentication_mode: Type.String({ description: "ip_address | client_credentials" }),
  region: Type.String({ description: "A configured region alias, e.g. us-east-1" }),
  max_channels: Type.Optional(Type.Union([Type.Integer({ description: "Greater than 0" }), Type.Null()])),
  inbound_country: Type.Optional(Nullable(Type.String({ description: "ISO 3166-1 alpha-2, upper case" }))),
  inbound_source_ips: Type.Optional(Type.Array(Type.String(), { description: "IPv4 addresses (CIDR accepted); replaces the set on update" })),
  default_sender: Type.Optional(Nullable(Type.String({ description: "Caller id for calls out" }))),
  outbound_host: Type.Optional(Nullable(Type.String({ description: "host or host:port of the outbound destination" }))),
  outbound_dial_string_prefix: Type.Optional(Nullable(Type.String())),
  outbound_national_dialing: Type.Optional(Type.Boolean()),
  outbound_plus_prefix: Type.Optional(Type.Boolean()),
  outbound_route_prefixes: Type.Optional(Type.Array(Type.String(), { description: "Digit strings" })),
});
export type SipTrunkAttributes = Static<typeof SipTrunkAttributes>;

export const SipTrunkPatchAttributes = Type.Partial(SipTrunkAttributes);

const type = Type.String({ description: "sip_trunk" });

/** The reference's examples (carrier-sip-trunks-jsonapi.md), shown in the OpenAPI document. */
const CREATE_EXAMPLE = {
  data: {
    type: "sip_trunk",
    attributes: {
      name: "My Trunk",
      authentication_mode: "ip_address",
      region: "us-east-1",
      max_channels: 30,
      inbound_country: "US",
      inbound_source_ips: ["203.0.113.1"],
      default_sender: "1234567890",
      outbound_host: "pbx.example.com",
      outbound_dial_string_prefix: "+1",
      outbound_national_dialing: false,
      outbound_plus_prefix: true,
      outbound_route_prefixes: ["1855"],
    },
  },
};

export const CreateSipTrunkDocument = Type.Object(
  {
    data: Type.Object({ type, attributes: SipTrunkAttributes }),
  },
  { examples: [CREATE_EXAMPLE] },
);
/** PATCH: every attribute optional; `id`, when sent, must equal the id in the URL. */
export const UpdateSipTrunkDocument = Type.Object(
  {
    data: Type.Object({ type, id: Type.Optional(Type.String()), attributes: Type.Optional(SipTrunkPatchAttributes) }),
  },
  { examples: [{ data: { type: "sip_trunk", id: "0b6f8a7e-5f0c-4c1e-9a57-2f5d7d1e8c3a", attributes: { name: "Updated Trunk Name" } } }] },
);
export type SipTrunkDocumentData = { type: string; id?: string; attributes: Partial<SipTrunkAttributes> };

export const SipTrunkParams = Type.Object({ id: Type.String({ description: "The trunk's UUID" }) });

export const ListQuery = Type.Object(
  {
    "page[size]": Type.Optional(Type.String({ description: "1 to 100 (default 10)" })),
    "page[after]": Type.Optional(Type.String({ description: "Trunk id: the page of trunks older than it" })),
    "page[before]": Type.Optional(Type.String({ description: "Trunk id: the page of trunks newer than it" })),
    "fields[sip_trunk]": Type.Optional(Type.String({ description: "Sparse fieldset: comma-separated attribute names (also on the other routes)" })),
  },
  { additionalProperties: true },
);
