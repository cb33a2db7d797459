import { ValidationError } from "../../domain/errors.js";
import type { Destination, Transport } from "../../domain/types.js";
import type { DestinationInput } from "../../services/destinations.js";

/** The Exotel dialect offers SIP over TCP and TLS only (the carrier API may also use UDP). */
export const EXOTEL_TRANSPORTS: readonly Transport[] = ["tcp", "tls"];

export const DESTINATION_FORMAT_MESSAGE = "destination must be host:port;transport=tcp or host:port;transport=tls (host an IPv4 address or an FQDN)";
export const TRANSPORT_MESSAGE = "Destination transport must be tcp or tls";

/**
 * `host:port;transport=tls|tcp`, optionally with the `sip:` prefix the API itself prints (so a
 * listed destination can be sent back). The host and port ranges are the domain's to judge;
 * the transport is this dialect's rule. A bad item comes back as a ValidationError so a batch
 * keeps its place.
 */
export function parseDestination(text: string): Omit<DestinationInput, "priority" | "weight"> | ValidationError {
  const m = /^(?:sip:)?([^:;\s]+):(\d{1,10});transport=([A-Za-z]+)$/i.exec(text.trim());
  if (!m) return ValidationError.of("destination", DESTINATION_FORMAT_MESSAGE);
  const [, host = "", port = "", transportText = ""] = m;
  const transport = transportText.toLowerCase() as Transport;
  if (!EXOTEL_TRANSPORTS.includes(transport)) return ValidationError.of("destination", TRANSPORT_MESSAGE);
  return { host, port: Number(port), transport };
}

/** As stored and listed: `sip:203.0.113.50:5061;transport=tls`. */
export function formatDestination(d: Pick<Destination, "host" | "port" | "transport">): string {
  return `sip:${d.host}:${d.port};transport=${d.transport}`;
}
