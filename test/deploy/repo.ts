import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseDockerfile, type Dockerfile } from "../../scripts/dockerfile.js";

/** The repository root (the Dockerfile's build context). */
export const ROOT = join(import.meta.dirname, "../..");

export const read = (path: string): string => readFileSync(join(ROOT, path), "utf8");

export const dockerfile = (): Dockerfile => parseDockerfile(read("Dockerfile"));

/** The variables of README's "Configuration" table. */
export function readmeVariables(): Set<string> {
  const section = /## Configuration\n([\s\S]*?)\n## /.exec(read("README.md"))?.[1] ?? "";
  return new Set([...section.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((m) => m[1] as string));
}

/**
 * Whether .dockerignore keeps `path` (relative to the context) out of the build context: the
 * last pattern matching it or one of its parent directories decides, `!` patterns re-include
 * (Docker's rules: `*` and `?` within one path segment, `**` across segments).
 */
export function dockerignored(path: string, ignoreFile = read(".dockerignore")): boolean {
  const patterns = ignoreFile
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  const clean = path.replace(/^\.\//, "").replace(/\/$/, "");
  const prefixes = clean.split("/").map((_, i, parts) => parts.slice(0, i + 1).join("/"));
  let ignored = false;
  for (const raw of patterns) {
    const negate = raw.startsWith("!");
    const pattern = (negate ? raw.slice(1) : raw).replace(/^\//, "").replace(/\/$/, "");
    const re = globRegExp(pattern);
    if (prefixes.some((p) => re.test(p))) ignored = !negate;
  }
  return ignored;
}

function globRegExp(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === "*" && pattern[i + 1] === "*") {
      re += ".*";
      i++;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}
