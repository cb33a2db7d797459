import { readFileSync } from "node:fs";
import { Command, InvalidArgumentError, Option } from "commander";
import { loadConfig, type Config } from "../config.js";
import type { EdgeFlags } from "./commands/edge.js";
import { mediaFlag as media, type MediaFlags } from "./mediaFlags.js";
import { registerResourceCommands } from "./commands/resources/register.js";
import type { SeedFlags } from "./commands/seed.js";

/** What an action returns: an exit code, or undefined when it keeps running (serve, up, edge). */
export type Outcome = number | undefined;

export function packageVersion(): string {
  // dist/cli and src/cli are both two levels below the package root.
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

export function portNumber(raw: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 65535) throw new InvalidArgumentError("must be a port number (1-65535)");
  return n;
}

export function count(raw: string): number {
  const n = Number(raw.replace(/_/g, ""));
  if (!/^[\d_]+$/.test(raw) || !Number.isSafeInteger(n)) throw new InvalidArgumentError("must be a non-negative integer");
  return n;
}

export function hostPort(raw: string): string {
  if (!/^[^:\s]+:\d+$/.test(raw)) throw new InvalidArgumentError("must be IP:PORT");
  return raw;
}

const ENVIRONMENT = `
Settings come from the environment (README, "Configuration"): DATABASE_URL (default
./data/trunkline.db; postgres://... for PostgreSQL), PORT, HOST, TRUNKLINE_SECRET_KEY,
REDIS_URL, TRUNKLINE_EDGE_* for the SIP edge. The resource commands (trunks, numbers, ...):
TRUNKLINE_ACCOUNT, and for a server TRUNKLINE_URL, TRUNKLINE_API_KEY, TRUNKLINE_API_TOKEN.

Exit codes: 0 success, 1 failure (the message names the setting or object at fault),
2 usage error (unknown command or option, missing argument).`;

/**
 * The `trunkline` command tree. Each action receives the parsed options and the process config
 * (loaded only when a command runs, so `--help` works whatever the environment holds) and
 * reports its outcome through `done`.
 */
export function buildProgram(done: (outcome: Outcome) => void): Command {
  const config = (): Config => loadConfig();
  const act =
    <A extends unknown[]>(fn: (...args: A) => Promise<Outcome>) =>
    async (...args: A) =>
      done(await fn(...args));

  const program = new Command("trunkline")
    .description("SIP trunking platform: Exotel v2 and carrier JSON:API control plane, Kamailio SIP edge")
    .version(packageVersion(), "-V, --version", "print the version and exit")
    .helpOption("-h, --help", "show help for the command")
    .showHelpAfterError("(run with --help for usage)")
    // Usage errors exit 2 (see main.ts), not commander's default 1: scripts can tell them apart.
    .exitOverride()
    .addHelpText("after", ENVIRONMENT);

  program
    .command("up")
    .description("run the whole platform in the foreground: API server, SIP edge (Kamailio) and media relay (rtpengine) on one store")
    .option("--demo", "demo mode: the demo account and sample objects (README, Quick start)")
    .option("--port <n>", "HTTP port (default PORT, 8080)", portNumber)
    .option("--host <address>", "HTTP listen address (default HOST, 127.0.0.1)")
    .addHelpText("after", "\nWithout Kamailio installed the API runs alone (see `trunkline setup`). Any part exiting stops the whole command with a non-zero code.")
    .action(act(async (opts: ServeFlags) => (await import("./commands/up.js")).up(withServeFlags(config(), opts))));

  program
    .command("serve")
    .description("run the API server only (embedded SQLite unless DATABASE_URL is postgres://)")
    .option("--demo", "demo mode: the demo account and sample objects (README, Quick start)")
    .option("--port <n>", "HTTP port (default PORT, 8080)", portNumber)
    .option("--host <address>", "HTTP listen address (default HOST, 127.0.0.1)")
    .action(act(async (opts: ServeFlags) => (await import("./commands/serve.js")).serve(withServeFlags(config(), opts))));

  program
    .command("edge")
    .description("run the Kamailio SIP edge on this store (or print its config)")
    .option("--print", "print the rendered Kamailio config and exit")
    .option("--listen <ip:port>", "SIP address, UDP and TCP (default TRUNKLINE_EDGE_LISTEN, 127.0.0.1:5060)", hostPort)
    .option("--tls-listen <ip:port>", "SIP over TLS address (default TRUNKLINE_EDGE_TLS_LISTEN, SIP port + 1)", hostPort)
    .option("--rpc <ip:port>", "JSON-RPC address for the API's reloader (default TRUNKLINE_EDGE_RPC, 127.0.0.1:5071)", hostPort)
    .option("--children <n>", "Kamailio worker processes per socket (default TRUNKLINE_EDGE_CHILDREN, 8)", count)
    .option("--realm <realm>", "digest realm (default TRUNKLINE_SIP_REALM)")
    .option("--shm <mb>", "Kamailio shared memory in MB", count, 256)
    .action(act(async (opts: EdgeFlags) => (await import("./commands/edge.js")).edge(opts, config())));

  program
    .command("media")
    .description("run one media relay (rtpengine, userspace) in the foreground and register it in the store, for a host of its own")
    .option("--ng-listen <ip:port>", "ng control address, UDP (default TRUNKLINE_MEDIA_NG_LISTEN, 127.0.0.1:2223)", media("TRUNKLINE_MEDIA_NG_LISTEN"))
    .option("--interface <ip>", "local media address (default TRUNKLINE_MEDIA_INTERFACE, 127.0.0.1)", media("TRUNKLINE_MEDIA_INTERFACE"))
    .option("--advertise <ip>", "public media address written into SDP behind NAT (default TRUNKLINE_MEDIA_ADVERTISE)", media("TRUNKLINE_MEDIA_ADVERTISE"))
    .option("--ports <low-high>", "RTP/RTCP port range (default TRUNKLINE_MEDIA_PORTS, 30000-40000)", media("TRUNKLINE_MEDIA_PORTS"))
    .addHelpText("after", "\nEdges use it when their TRUNKLINE_MEDIA_NG names its ng address. The ng port has no authentication: keep it on a private network (docs/media.md).")
    .action(act(async (opts: MediaFlags) => (await import("./commands/media.js")).media(opts, config())));

  program
    .command("check")
    .description("can this trunk carry a call now? each step with a fix; exit 0 only if all pass")
    .argument("<trunk>", "trunk sid (trmum...) or carrier API id (UUID)")
    .option("--call <number>", "also place a real call to NUMBER through the edge, as the trunk's PBX would")
    .option("--json", "machine-readable result")
    .option("--rpc <url>", "the edge's JSON-RPC URL (default: the registered edges)")
    .option("--from <ip>", "source address for the test call (an ACL address of the trunk)")
    .action(act(async (trunk: string, opts: CheckFlags) => (await import("./commands/check.js")).check(trunk, opts, config())));

  program
    .command("migrate")
    .description("apply database migrations and exit")
    .action(act(async () => (await import("./commands/migrate.js")).migrate(config())));

  const accounts = program.command("accounts").description("manage accounts and their API credentials");
  accounts
    .command("create")
    .description("create an account; prints its API key and token")
    .requiredOption("--sid <sid>", "account sid")
    .option("--name <name>", "display name (default: the sid)")
    .option("--operator", "an operator account: may act on every account (docs/operators.md)")
    .option("--api-key <key>", "API key to use (default: random)")
    .option("--api-token <token>", "API token to use (default: random)")
    .option("--json", "print JSON")
    .action(act(async (opts: { sid: string; name?: string; operator?: boolean; apiKey?: string; apiToken?: string; json?: boolean }) => (await import("./commands/accounts.js")).createAccount(opts, config())));
  accounts
    .command("update")
    .description("rename an account, or make it an operator (or no longer one)")
    .requiredOption("--sid <sid>", "account sid")
    .option("--name <name>", "display name")
    .option("--operator", "make it an operator account")
    .option("--no-operator", "make it an ordinary account")
    .option("--json", "print JSON")
    .action(act(async (opts: { sid: string; name?: string; operator?: boolean; json?: boolean }) => (await import("./commands/accounts.js")).updateAccount(opts, config())));
  accounts
    .command("list")
    .description("list accounts and their API keys")
    .option("--json", "print JSON")
    .action(act(async (opts: { json?: boolean }) => (await import("./commands/accounts.js")).listAccounts(opts, config())));
  accounts
    .command("rotate-token")
    .description("issue a new API token for an account (the old one stops working)")
    .requiredOption("--sid <sid>", "account sid")
    .option("--json", "print JSON")
    .action(act(async (opts: { sid: string; json?: boolean }) => (await import("./commands/accounts.js")).rotateToken(opts, config())));
  accounts
    .command("delete")
    .description("delete an account and its API credentials (refused while it has trunks, unless --force)")
    .requiredOption("--sid <sid>", "account sid")
    .option("--force", "also delete the account's trunks and everything on them")
    .option("--json", "print JSON")
    .action(act(async (opts: { sid: string; force?: boolean; json?: boolean }) => (await import("./commands/accounts.js")).deleteAccount(opts, config())));

  registerResourceCommands(program, act, config);

  program
    .command("seed")
    .description("bulk test data: N trunks and M number mappings (scale checks, benchmarks)")
    .requiredOption("--trunks <n>", "trunks to create", count)
    .option("--numbers <m>", "number mappings (+919XXXXXXXXX) spread round-robin over the new trunks", count, 0)
    .option("--account <sid>", "account to seed, created (and its credentials printed) when missing", "seed")
    .option("--hot-trunk-numbers <k>", "of the numbers, how many go to the first trunk", count, 0)
    .option("--json", "print JSON")
    .action(act(async (opts: SeedFlags) => (await import("./commands/seed.js")).seed(opts, config())));

  program
    .command("setup")
    .description("install the SIP edge's and media relay's Debian packages (apt-get, as root)")
    .addOption(new Option("--dry-run", "print the commands instead of running them"))
    .action(act(async (opts: { dryRun?: boolean }) => (await import("./commands/setup.js")).setup(opts)));

  return program;
}

interface ServeFlags {
  demo?: boolean;
  port?: number;
  host?: string;
}

interface CheckFlags {
  call?: string;
  json?: boolean;
  rpc?: string;
  from?: string;
}

function withServeFlags(config: Config, flags: ServeFlags): Config {
  return { ...config, demo: config.demo || flags.demo === true, port: flags.port ?? config.port, host: flags.host ?? config.host };
}
