/**
 * A reader for the repository's Dockerfile, enough for the checks that run without Docker
 * (test/deploy/dockerfile.test.ts, scripts/dockerfile-check.ts): instructions with their line,
 * `--flag=value` options and exec-form arrays, grouped by build stage. Continuation lines (`\`)
 * are joined and comment lines inside them dropped, as Docker does; parser directives and
 * heredocs are not supported (the Dockerfile uses neither).
 */
export interface Instruction {
  keyword: string;
  /** Everything after the keyword and its --flags, continuation lines joined. */
  args: string;
  flags: Record<string, string>;
  /** 1-based line of the keyword. */
  line: number;
}

export interface Stage {
  name: string | undefined;
  base: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs before the first FROM. */
  globalArgs: Instruction[];
  stages: Stage[];
}

export function parseDockerfile(text: string): Dockerfile {
  const instructions: Instruction[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i] as string;
    if (/^\s*(#|$)/.test(first)) continue;
    const start = i + 1;
    let joined = first;
    while (/\\\s*$/.test(joined) && i + 1 < lines.length) {
      joined = joined.replace(/\\\s*$/, "");
      i++;
      const next = lines[i] as string;
      if (/^\s*#/.test(next)) continue;
      joined += next;
    }
    const m = /^\s*(\S+)\s*(.*)$/s.exec(joined);
    if (!m) continue;
    let rest = (m[2] as string).trim();
    const flags: Record<string, string> = {};
    for (let f = /^--([\w-]+)(?:=(\S*))?\s*/.exec(rest); f; f = /^--([\w-]+)(?:=(\S*))?\s*/.exec(rest)) {
      flags[f[1] as string] = f[2] ?? "true";
      rest = rest.slice(f[0].length);
    }
    instructions.push({ keyword: (m[1] as string).toUpperCase(), args: rest, flags, line: start });
  }
  const result: Dockerfile = { globalArgs: [], stages: [] };
  for (const ins of instructions) {
    if (ins.keyword === "FROM") {
      const [base, as, name] = ins.args.split(/\s+/);
      result.stages.push({ base: base as string, name: as?.toUpperCase() === "AS" ? name : undefined, instructions: [] });
    } else if (result.stages.length === 0) {
      if (ins.keyword !== "ARG") throw new Error(`line ${ins.line}: ${ins.keyword} before the first FROM`);
      result.globalArgs.push(ins);
    } else {
      (result.stages.at(-1) as Stage).instructions.push(ins);
    }
  }
  return result;
}

/** The exec form (`["a", "b"]`) as an array; undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  const text = args.trim();
  if (!text.startsWith("[")) return undefined;
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === "string")) throw new Error(`not an exec-form array: ${text}`);
  return parsed as string[];
}

/** COPY/ADD: its sources and destination (shell or exec form). */
export function copyParts(ins: Instruction): { sources: string[]; dest: string } {
  const parts = execForm(ins.args) ?? ins.args.split(/\s+/);
  if (parts.length < 2) throw new Error(`line ${ins.line}: ${ins.keyword} needs a source and a destination`);
  return { sources: parts.slice(0, -1), dest: parts.at(-1) as string };
}

/** HEALTHCHECK: its options and command (`CMD` stripped); undefined for HEALTHCHECK NONE. */
export function healthcheck(ins: Instruction): { options: Record<string, string>; command: string[] | string } | undefined {
  const m = /^(CMD|NONE)\b\s*(.*)$/is.exec(ins.args);
  if (!m) throw new Error(`line ${ins.line}: HEALTHCHECK must be CMD ... or NONE`);
  if ((m[1] as string).toUpperCase() === "NONE") return undefined;
  const rest = m[2] as string;
  return { options: ins.flags, command: execForm(rest) ?? rest };
}

export function stageNamed(file: Dockerfile, name: string): Stage {
  const stage = file.stages.find((s) => s.name === name);
  if (!stage) throw new Error(`no stage named ${name}`);
  return stage;
}

/** The instructions of one keyword in a stage. */
export function all(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.keyword === keyword);
}

/** The last instruction of one keyword in a stage (ENTRYPOINT, CMD, USER, HEALTHCHECK: the last wins). */
export function last(stage: Stage, keyword: string): Instruction | undefined {
  return all(stage, keyword).at(-1);
}

/**
 * The working directory in effect at each instruction of a stage: WORKDIR instructions in order,
 * relative ones resolved against the previous (Docker's rule), "/" before the first.
 */
export function workdirAt(stage: Stage, ins: Instruction): string {
  let dir = "/";
  for (const i of stage.instructions) {
    if (i === ins) return dir;
    if (i.keyword === "WORKDIR") dir = i.args.startsWith("/") ? i.args : `${dir.replace(/\/$/, "")}/${i.args}`;
  }
  throw new Error(`line ${ins.line} is not in this stage`);
}

/**
 * Whether a .dockerignore keeps a path (relative to the context) out of the build context: the
 * last pattern matching it or one of its parent directories decides, `!` re-includes (Docker's
 * rules: `*` and `?` within one path segment, `**` across segments).
 */
export function dockerignore(text: string): (path: string) => boolean {
  const patterns = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((raw) => {
      const negate = raw.startsWith("!");
      const glob = (negate ? raw.slice(1) : raw).replace(/^\//, "").replace(/\/$/, "");
      const re = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*\*/g, "\0").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]").replace(/\0/g, ".*");
      return { negate, re: new RegExp(`^${re}$`) };
    });
  return (path) => {
    const clean = path.replace(/^\.\//, "").replace(/\/$/, "");
    const prefixes = clean.split("/").map((_, i, parts) => parts.slice(0, i + 1).join("/"));
    let ignored = false;
    for (const { negate, re } of patterns) if (prefixes.some((p) => re.test(p))) ignored = !negate;
    return ignored;
  };
}
