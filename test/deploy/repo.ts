import { readFileSync } from "node:fs";
import { join } from "node:path";
import { dockerignore, parseDockerfile, type Dockerfile } from "../../scripts/dockerfile.js";

/** The repository root (the Dockerfile's build context). */
export const ROOT = join(import.meta.dirname, "../..");

export const read = (path: string): string => readFileSync(join(ROOT, path), "utf8");

export const dockerfile = (): Dockerfile => parseDockerfile(read("Dockerfile"));

/** The variables of README's "Configuration" table. */
export function readmeVariables(): Set<string> {
  const section = /## Configuration\n([\s\S]*?)\n## /.exec(read("README.md"))?.[1] ?? "";
  return new Set([...section.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((m) => m[1] as string));
}

/** Whether .dockerignore keeps `path` (relative to the context) out of the build context. */
export function dockerignored(path: string, ignoreFile = read(".dockerignore")): boolean {
  return dockerignore(ignoreFile)(path);
}
