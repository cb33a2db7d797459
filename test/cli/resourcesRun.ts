import { CommanderError } from "commander";
import { buildProgram, type Outcome } from "../../src/cli/program.js";
import { sink } from "../../src/cli/commands/resources/output.js";

export interface Run {
  code: number;
  out: string;
  err: string;
  /** stdout parsed as JSON (for --json runs). */
  json<T = unknown>(): T;
}

/**
 * Runs the trunkline program in this process, as main.ts does (usage errors 2, thrown errors 1
 * with `error: <message>`), with `env` set for the run and stdout/stderr captured.
 */
export async function runCli(args: string[], env: Record<string, string | undefined>): Promise<Run> {
  const saved = new Map(Object.keys(env).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  let out = "";
  let err = "";
  const write = sink.write;
  const log = console.log;
  const stderrWrite = process.stderr.write;
  sink.write = (text) => void (out += text);
  console.log = (...parts: unknown[]) => void (out += parts.join(" ") + "\n");
  const stdoutWrite = process.stdout.write;
  // Commander's help goes to stdout, its usage errors to stderr, both as strings; the test
  // runner's own messages (buffers) pass through.
  const capture = (stream: NodeJS.WriteStream, original: typeof process.stdout.write, add: (text: string) => void) =>
    (stream.write = ((chunk: string | Uint8Array, ...rest: never[]) => (typeof chunk === "string" ? (add(chunk), true) : original.call(stream, chunk, ...rest))) as typeof process.stdout.write);
  capture(process.stdout, stdoutWrite, (text) => (out += text));
  capture(process.stderr, stderrWrite, (text) => (err += text));
  let code: number;
  try {
    let outcome: Outcome = 0;
    await buildProgram((o) => (outcome = o)).parseAsync(args, { from: "user" });
    code = outcome ?? 0;
  } catch (error) {
    if (error instanceof CommanderError) code = error.exitCode === 0 ? 0 : 2;
    else {
      err += `error: ${(error as Error).message}\n`;
      code = 1;
    }
  } finally {
    sink.write = write;
    console.log = log;
    process.stdout.write = stdoutWrite;
    process.stderr.write = stderrWrite;
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  return { code, out, err, json: <T>() => JSON.parse(out) as T };
}
