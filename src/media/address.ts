import { isIP } from "node:net";

/** An `ip:port` (or `[ipv6]:port`) UDP address as rtpengine's ng listener and its clients name it. */
export interface UdpAddress {
  host: string;
  port: number;
}

/** Parses `ip:port` / `[v6]:port`; the message names `name` (a variable or flag). */
export function parseUdpAddress(raw: string, name: string): UdpAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(raw.trim());
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (!m || !host || isIP(host) === 0 || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${name} must be IP:PORT (an IP address and a port 1-65535, [v6]:port for IPv6), got '${raw}'`);
  }
  return { host, port };
}

export function formatUdpAddress({ host, port }: UdpAddress): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
