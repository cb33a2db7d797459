#!/usr/bin/env node
import { CommanderError } from "commander";
import { buildProgram, type Outcome } from "./program.js";

/** Exit code for usage errors (unknown command or option, missing argument): see docs/cli.md. */
const USAGE_ERROR = 2;

async function main(argv: string[]): Promise<Outcome> {
  let outcome: Outcome = 0;
  const program = buildProgram((o) => (outcome = o));
  if (argv.length === 0) {
    program.outputHelp();
    return 0;
  }
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    // Commander has already printed its message (and the help hint) to stderr.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : USAGE_ERROR;
    throw error;
  }
  return outcome;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exit(code);
  },
  (error: unknown) => {
    console.error(error instanceof Error ? `error: ${error.message}` : error);
    process.exit(1);
  },
);
