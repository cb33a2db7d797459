import { randomBytes } from "node:crypto";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";

/**
 * Host names for the edge tests, in /etc/hosts (the system resolver Kamailio uses honours it):
 * unique per run, so suites running at once never collide, and removed line by line afterwards.
 */

const HOSTS = "/etc/hosts";

/** A name no resolver knows (RFC 6761 reserves .invalid). */
export const unresolvable = (): string => `nonexistent-${randomBytes(5).toString("hex")}.invalid`;

/**
 * Adds `<ip> <name>` for each entry (the name made up, or as given in `named`); returns the names
 * by key and a function removing exactly those lines.
 */
export function addHosts<K extends string>(entries: Record<K, string>, named: Partial<Record<K, string>> = {}): { names: Record<K, string>; remove: () => void } {
  const tag = randomBytes(4).toString("hex");
  const names = {} as Record<K, string>;
  const lines: string[] = [];
  for (const [key, ip] of Object.entries(entries) as Array<[K, string]>) {
    names[key] = named[key] ?? `tl-test-${tag}-${key}.test`;
    lines.push(`${ip} ${names[key]}`);
  }
  try {
    const current = readFileSync(HOSTS, "utf8");
    appendFileSync(HOSTS, `${current === "" || current.endsWith("\n") ? "" : "\n"}${lines.join("\n")}\n`);
  } catch (error) {
    throw new Error(`the DNS tests add names to ${HOSTS} and must run as root: ${(error as Error).message}`);
  }
  return {
    names,
    remove() {
      const keep = readFileSync(HOSTS, "utf8")
        .split("\n")
        .filter((l) => !lines.includes(l));
      writeFileSync(HOSTS, keep.join("\n"));
    },
  };
}
