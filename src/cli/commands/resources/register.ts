import { Argument, InvalidArgumentError, Option, type Command } from "commander";
import type { Config } from "../../../config.js";
import type { Outcome } from "../../program.js";
import type { Op } from "./op.js";
import { print } from "./output.js";
import type { Paging } from "./trunkOps.js";

type Act = <A extends unknown[]>(fn: (...args: A) => Promise<Outcome>) => (...args: A) => Promise<void>;

/** Options every resource command takes: which account, and store mode or server mode. */
interface Common {
  account?: string;
  url?: string;
  key?: string;
  token?: string;
  json?: boolean;
}

interface View {
  columns: string[];
  /** From the wire's data to what is printed (and what --json shows). */
  pick?: (data: unknown) => unknown;
}

function integer(raw: string): number {
  if (!/^-?\d{1,9}$/.test(raw)) throw new InvalidArgumentError("must be an integer");
  return Number(raw);
}

function positiveId(raw: string): number {
  if (!/^\d{1,15}$/.test(raw) || Number(raw) < 1) throw new InvalidArgumentError("must be a positive integer id");
  return Number(raw);
}

function pageSize(raw: string): number {
  const n = integer(raw);
  if (n < 1 || n > 1000) throw new InvalidArgumentError("must be 1 to 1000");
  return n;
}

function offset(raw: string): number {
  const n = integer(raw);
  if (n < 0) throw new InvalidArgumentError("must be 0 or more");
  return n;
}

const HELP = `
Store mode (default): works on DATABASE_URL directly, as a server would. Server mode: --url (or
TRUNKLINE_URL) with the account's --key and --token (TRUNKLINE_API_KEY, TRUNKLINE_API_TOKEN)
calls that server's Exotel API. --account (TRUNKLINE_ACCOUNT) names the account in both.
Output: a table, or --json (docs/cli.md). Exit codes: 0 done, 1 failed (API error, not found,
server unreachable), 2 usage error.`;

/**
 * `trunks`, `numbers`, `ips`, `destinations`, `credentials`, `settings` and `calls`: the
 * account's objects, in store mode (services on DATABASE_URL) or server mode (--url).
 */
export function registerResourceCommands(program: Command, act: Act, config: () => Config): void {
  const leaf = (parent: Command, name: string, description: string): Command =>
    parent
      .command(name)
      .description(description)
      .addOption(new Option("--account <sid>", "the account whose objects these are").env("TRUNKLINE_ACCOUNT"))
      .addOption(new Option("--url <url>", "server mode: a running trunkline's base URL, e.g. http://127.0.0.1:8080").env("TRUNKLINE_URL"))
      .addOption(new Option("--key <key>", "server mode: the account's API key").env("TRUNKLINE_API_KEY"))
      .addOption(new Option("--token <token>", "server mode: the account's API token").env("TRUNKLINE_API_TOKEN"))
      .option("--json", "print JSON instead of a table");
  const paged = (cmd: Command) => cmd.option("--offset <n>", "skip this many", offset, 0).option("--page-size <n>", "at most this many (1-1000)", pageSize, 50);
  const group = (name: string, description: string) => program.command(name).description(description).addHelpText("after", HELP);
  const trunkArg = new Argument("<trunk_sid>", "the trunk's sid");
  const idArg = (what: string) => new Argument("<id>", `the ${what}'s id`).argParser(positiveId);

  /** Runs one operation in the chosen mode and prints its result. */
  const exec = async (opts: Common, make: () => Promise<Op>, view: View): Promise<Outcome> => {
    if (!opts.account) throw new Error("--account SID is required (or set TRUNKLINE_ACCOUNT): the account whose objects these are");
    const { serverTarget, storeTarget } = await import("./targets.js");
    const target = opts.url ? serverTarget({ url: opts.url, key: opts.key, token: opts.token }, opts.account) : storeTarget(config(), opts.account);
    const data = await target.run(await make());
    print(view.pick ? view.pick(data) : data, opts.json, view.columns);
    return 0;
  };
  const ops = () => import("./trunkOps.js");
  const page = (o: { offset: number; pageSize: number }): Paging => ({ offset: o.offset, pageSize: o.pageSize });
  type Ops = Awaited<ReturnType<typeof ops>>;
  type Collection = { list(trunk: string, p: Paging): Op; delete(trunk: string, id: number): Op };
  /** `list <trunk>` and `delete <trunk> <id>` of a trunk's sub-resource: the same for each. */
  const listAndDelete = (parent: Command, noun: string, pick: (o: Ops) => Collection, view: View) => {
    paged(leaf(parent, "list", `list a trunk's ${noun}s`)).addArgument(trunkArg).action(act(async (t: string, o: Common & Paging) => exec(o, async () => pick(await ops()).list(t, page(o)), view)));
    leaf(parent, "delete", `remove a ${noun}`).addArgument(trunkArg).addArgument(idArg(noun)).action(act(async (t: string, id: number, o: Common) => exec(o, async () => pick(await ops()).delete(t, id), view)));
  };

  const trunkView = { columns: ["trunk_sid", "trunk_name", "status", "auth_type", "nso_code", "domain_name", "date_created"] };
  const trunks = group("trunks", "the account's SIP trunks");
  paged(leaf(trunks, "list", "list trunks")).action(act(async (o: Common & Paging) => exec(o, async () => (await ops()).trunkOps.list(page(o)), trunkView)));
  leaf(trunks, "get", "show one trunk").addArgument(trunkArg).action(act(async (sid: string, o: Common) => exec(o, async () => (await ops()).trunkOps.get(sid), trunkView)));
  leaf(trunks, "create", "create a trunk (with its own SIP credential)")
    .requiredOption("--name <name>", "trunk_name: letters, digits and _, at most 16")
    .option("--nso-code <code>", "nso_code", "ANY-ANY")
    .option("--domain-name <domain>", "domain_name (default <account><TRUNKLINE_SIP_DOMAIN_SUFFIX>)")
    .action(act(async (o: Common & { name: string; nsoCode: string; domainName?: string }) => {
      const suffix = config().sipDomainSuffix;
      return exec(o, async () => (await ops()).trunkOps.create({ trunk_name: o.name, nso_code: o.nsoCode, domain_name: o.domainName ?? `${o.account}${suffix}` }, suffix), trunkView);
    }));
  leaf(trunks, "update", "change a trunk's name, NSO code or auth type")
    .addArgument(trunkArg)
    .option("--name <name>", "trunk_name")
    .option("--nso-code <code>", "nso_code")
    .option("--auth-type <type>", "auth_type")
    .action(act(async (sid: string, o: Common & { name?: string; nsoCode?: string; authType?: string }) =>
      exec(o, async () => (await ops()).trunkOps.update(sid, { trunk_name: o.name, nso_code: o.nsoCode, auth_type: o.authType }), trunkView)));
  leaf(trunks, "delete", "delete a trunk and everything on it")
    .addArgument(trunkArg)
    .action(act(async (sid: string, o: Common) => exec(o, async () => (await ops()).trunkOps.delete(sid), { columns: [], pick: () => ({ trunk_sid: sid, deleted: true }) })));

  const numberView = { columns: ["id", "phone_number", "mode", "trunk_sid", "date_created"] };
  const numbers = group("numbers", "phone numbers mapped to a trunk");
  listAndDelete(numbers, "number mapping", (o) => o.numberOps, numberView);
  leaf(numbers, "create", "map a number (E.164) to a trunk")
    .addArgument(trunkArg)
    .requiredOption("--number <e164>", "phone_number, e.g. +919876543210")
    .option("--mode <mode>", "pstn or flow")
    .action(act(async (t: string, o: Common & { number: string; mode?: string }) => exec(o, async () => (await ops()).numberOps.create(t, { phone_number: o.number, mode: o.mode }), numberView)));
  leaf(numbers, "update", "switch a number's mode")
    .addArgument(trunkArg)
    .addArgument(idArg("number mapping"))
    .requiredOption("--number <e164>", "the mapping's phone_number")
    .requiredOption("--mode <mode>", "pstn or flow")
    .action(act(async (t: string, id: number, o: Common & { number: string; mode: string }) => exec(o, async () => (await ops()).numberOps.update(t, id, { phone_number: o.number, mode: o.mode }), numberView)));

  const ipView = { columns: ["id", "ip", "mask", "friendly_name", "date_created"] };
  const ips = group("ips", "a trunk's whitelisted IP addresses (its access list)");
  listAndDelete(ips, "whitelisted IP", (o) => o.ipOps, ipView);
  leaf(ips, "create", "whitelist an address or range")
    .addArgument(trunkArg)
    .requiredOption("--ip <ip>", "IPv4 address")
    .option("--mask <bits>", "prefix length 1-32", integer, 32)
    .option("--friendly-name <name>", "a label")
    .action(act(async (t: string, o: Common & { ip: string; mask: number; friendlyName?: string }) => exec(o, async () => (await ops()).ipOps.create(t, { ip: o.ip, mask: o.mask, friendly_name: o.friendlyName }), ipView)));
  leaf(ips, "update", "change a whitelisted IP")
    .addArgument(trunkArg)
    .addArgument(idArg("whitelisted IP"))
    .requiredOption("--ip <ip>", "IPv4 address")
    .option("--mask <bits>", "prefix length 1-32", integer, 32)
    .action(act(async (t: string, id: number, o: Common & { ip: string; mask: number }) => exec(o, async () => (await ops()).ipOps.update(t, id, { ip: o.ip, mask: o.mask }), ipView)));

  const destinationView = { columns: ["id", "destination", "priority", "weight", "date_created"] };
  const destinations = group("destinations", "where a trunk's inbound calls go (destination URIs)");
  listAndDelete(destinations, "destination", (o) => o.destinationOps, destinationView);
  leaf(destinations, "create", "add a destination")
    .addArgument(trunkArg)
    .requiredOption("--destination <uri>", "host:port;transport=tls or tcp")
    .option("--priority <n>", "0-65535, lower first (default 0)", integer)
    .option("--weight <n>", "1-65535 (default 1)", integer)
    .action(act(async (t: string, o: Common & { destination: string; priority?: number; weight?: number }) =>
      exec(o, async () => (await ops()).destinationOps.create(t, { destination: o.destination, priority: o.priority, weight: o.weight }), destinationView)));
  leaf(destinations, "update", "change a destination's priority or weight")
    .addArgument(trunkArg)
    .addArgument(idArg("destination"))
    .option("--priority <n>", "0-65535", integer)
    .option("--weight <n>", "1-65535", integer)
    .action(act(async (t: string, id: number, o: Common & { priority?: number; weight?: number }) => exec(o, async () => (await ops()).destinationOps.update(t, id, { priority: o.priority, weight: o.weight }), destinationView)));

  const credentialView = { columns: ["id", "username", "password", "friendly_name"] };
  const credentials = group("credentials", "a trunk's SIP digest credentials");
  leaf(credentials, "list", "list a trunk's credentials")
    .addArgument(trunkArg)
    // The wire answers {username, password} while a trunk has one: printed as a list of one.
    .action(act(async (t: string, o: Common) => exec(o, async () => (await ops()).credentialOps.list(t), { ...credentialView, pick: (d) => (Array.isArray(d) ? d : [d]) })));
  leaf(credentials, "create", "add a credential")
    .addArgument(trunkArg)
    .requiredOption("--username <name>", "3-64 letters, digits, '.', '_' or '-'")
    .requiredOption("--password <password>", "12-64 printable characters, a letter and a digit")
    .option("--friendly-name <name>", "a label")
    .action(act(async (t: string, o: Common & { username: string; password: string; friendlyName?: string }) =>
      exec(o, async () => (await ops()).credentialOps.create(t, { user_name: o.username, password: o.password, friendly_name: o.friendlyName }), credentialView)));
  leaf(credentials, "update", "rotate a credential's password or rename it")
    .addArgument(trunkArg)
    .addArgument(idArg("credential"))
    .option("--password <password>", "the new password")
    .option("--friendly-name <name>", "the new label")
    .action(act(async (t: string, id: number, o: Common & { password?: string; friendlyName?: string }) => exec(o, async () => (await ops()).credentialOps.update(t, id, { password: o.password, friendly_name: o.friendlyName }), credentialView)));
  leaf(credentials, "delete", "remove a credential").addArgument(trunkArg).addArgument(idArg("credential")).action(act(async (t: string, id: number, o: Common) => exec(o, async () => (await ops()).credentialOps.delete(t, id), credentialView)));

  const settingView = { columns: ["name", "value", "date_updated"] };
  const settings = group("settings", "a trunk's settings (trunk_external_alias: the caller id)");
  leaf(settings, "list", "list a trunk's settings").addArgument(trunkArg).action(act(async (t: string, o: Common) => exec(o, async () => (await ops()).settingOps.list(t), settingView)));
  leaf(settings, "set", "set a setting (creates or replaces it)")
    .addArgument(trunkArg)
    .argument("<name>", "e.g. trunk_external_alias")
    .argument("<value>", "e.g. +919876543210")
    .action(act(async (t: string, name: string, value: string, o: Common) => exec(o, async () => (await ops()).settingOps.set(t, { name, value }), settingView)));
  leaf(settings, "delete", "remove a setting").addArgument(trunkArg).argument("<name>", "the setting").action(act(async (t: string, name: string, o: Common) => exec(o, async () => (await ops()).settingOps.delete(t, name), settingView)));

  const callView = { columns: ["Sid", "DateCreated", "From", "To", "Status", "Duration", "TrunkSid", "TrunkSidOut", "SipCode"] };
  const callOps = async () => (await import("./callOps.js")).callOps;
  const calls = group("calls", "call records (Exotel v1 Call Details), newest first");
  leaf(calls, "list", "the newest calls (one page)")
    .option("--trunk <sid>", "calls in or out over this trunk")
    .option("--status <list>", "completed, failed, busy, no-answer, canceled (comma-separated)")
    .option("--direction <d>", "inbound or outbound-dial")
    .option("--date-created <range>", "gte:YYYY-MM-DD HH:mm:ss;lte:... (UTC, at most 31 days; default the last 31)")
    .option("--page-size <n>", "1-100 (default 50)")
    .option("--details", "add each call's legs and failover hops")
    .action(act(async (o: Common & { trunk?: string; status?: string; direction?: string; dateCreated?: string; pageSize?: string; details?: boolean }) =>
      exec(o, async () => (await callOps()).list({ TrunkSid: o.trunk, Status: o.status, Direction: o.direction, DateCreated: o.dateCreated, PageSize: o.pageSize, details: o.details ? "true" : undefined }), {
        ...callView,
        pick: (d) => (d as { Calls: unknown[] }).Calls,
      })));
  leaf(calls, "get", "one call record")
    .argument("<call_sid>", "the call's sid")
    .option("--details", "add its legs and failover hops")
    .action(act(async (sid: string, o: Common & { details?: boolean }) => exec(o, async () => (await callOps()).get(sid, o.details === true), { ...callView, pick: (d) => (d as { Call: unknown }).Call })));
}
