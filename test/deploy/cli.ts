import { CommanderError, type Command } from "commander";
import { buildProgram } from "../../src/cli/program.js";

/**
 * `trunkline <args...> --help` in this process (the program main.ts runs, without a child
 * process per command): the exit code main.ts would give (0 help shown, 2 usage error) and
 * what commander printed.
 */
export async function cliHelp(args: string[]): Promise<{ code: number; output: string }> {
  let output = "";
  const program = buildProgram(() => undefined);
  // Subcommands copied their output settings when created: configure every one.
  const capture = (command: Command) => {
    command.configureOutput({ writeOut: (s) => void (output += s), writeErr: (s) => void (output += s) });
    command.commands.forEach(capture);
  };
  capture(program);
  try {
    await program.parseAsync([...args, "--help"], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) return { code: error.exitCode === 0 ? 0 : 2, output };
    throw error;
  }
  // Reaching here means --help did not stop the command: it ran.
  return { code: -1, output };
}
