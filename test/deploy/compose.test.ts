import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { parse } from "yaml";
import { prepareEdgeStore, startEdge } from "../../src/cli/commands/edge.js";
import { loadConfig } from "../../src/config.js";
import { edgeOptions, mediaOptions } from "../../src/edge/config.js";
import { mediaRelayConfig } from "../../src/media/config.js";
import { startRtpengine } from "../../src/media/process.js";
import { freePort } from "../helpers/process.js";
import { cliHelp } from "./cli.js";
import { read, readmeVariables, ROOT } from "./repo.js";

/**
 * deploy/compose.yaml without Docker (`docker compose config` is not available here): parsed as
 * YAML, its services, variables and addresses checked against the CLI, README and each other.
 */

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  networks?: Record<string, { ipv4_address?: string } | null>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[]; disable?: boolean };
  deploy?: { replicas?: number };
  volumes?: string[];
}

interface Compose {
  services: Record<string, Service>;
  networks: { default: { ipam: { config: { subnet: string; ip_range: string }[] } } };
  volumes: Record<string, unknown>;
}

/** Every `env.NAME` and upper-case string literal ("PORT", as `int(env, "PORT", 8080)` reads it) in src/. */
function variablesInSource(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".ts")) for (const m of readFileSync(path, "utf8").matchAll(/\benv\.([A-Z][A-Z0-9_]+)|"([A-Z][A-Z0-9_]+)"/g)) names.add((m[1] ?? m[2]) as string);
    }
  };
  walk(join(ROOT, "src"));
  return names;
}

const ipToInt = (ip: string) => ip.split(".").reduce((n, o) => n * 256 + Number(o), 0);
function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split("/");
  const mask = 2 ** (32 - Number(bits));
  return Math.floor(ipToInt(ip) / mask) === Math.floor(ipToInt(base as string) / mask);
}

const hostOf = (hostPort: string) => hostPort.split(":")[0] as string;
const portOf = (hostPort: string) => hostPort.split(":")[1] as string;

describe("deploy/compose.yaml (parsed; no Docker here)", () => {
  let compose: Compose;
  let trunkline: [string, Service][];
  before(() => {
    compose = parse(read("deploy/compose.yaml"), { merge: true }) as Compose;
    trunkline = Object.entries(compose.services).filter(([, s]) => s.image === "trunkline:local");
  });

  it("has PostgreSQL, Redis, migrations, the API scaled to two processes, the SIP edge and the media relay, built from the repository's Dockerfile", async () => {
    assert.deepEqual(Object.keys(compose.services).sort(), ["api", "edge", "media", "migrate", "postgres", "redis"]);
    assert.deepEqual(trunkline.map(([name]) => name).sort(), ["api", "edge", "media", "migrate"]);
    for (const [name, service] of trunkline) {
      assert.deepEqual(service.build, { context: "..", dockerfile: "Dockerfile" }, name);
      const help = await cliHelp(service.command ?? []);
      assert.equal(help.code, 0, `${name}: trunkline ${service.command?.join(" ")} --help: ${help.output}`);
    }
    assert.deepEqual(
      trunkline.map(([name, s]) => [name, s.command]),
      [
        ["migrate", ["migrate"]],
        ["api", ["serve"]],
        ["edge", ["edge"]],
        ["media", ["media"]],
      ],
    );
    assert.equal(compose.services.api?.deploy?.replicas, 2);
    for (const [name, service] of Object.entries(compose.services)) {
      for (const dep of Object.keys(service.depends_on ?? {})) assert.ok(compose.services[dep], `${name} depends on ${dep}, a service`);
    }
    assert.equal(compose.services.api?.depends_on?.migrate?.condition, "service_completed_successfully");
  });

  it("every trunkline variable it sets is one the code reads and README's Configuration table (or a docs/ page's variable table) documents", () => {
    const source = variablesInSource();
    const documented = readmeVariables();
    // Variables of parts whose README rows are still to come are documented in their own docs page.
    for (const doc of readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md"))) {
      for (const m of read(`docs/${doc}`).matchAll(/^\| `(TRUNKLINE_[A-Z0-9_]+)` \|/gm)) documented.add(m[1] as string);
    }
    const text = read("deploy/compose.yaml");
    const interpolated = [...text.matchAll(/\$\{([A-Z_]+)/g)].map((m) => m[1] as string);
    const uses = [...trunkline.flatMap(([name, service]) => Object.keys(service.environment ?? {}).map((v) => [name, v])), ...interpolated.map((v) => ["${...}", v])];
    for (const [where, variable] of uses) {
      assert.ok(source.has(variable as string), `${where}: ${variable} is read nowhere in src/`);
      assert.ok(documented.has(variable as string), `${where}: ${variable} is not documented (a row of README's "Configuration" table or of a docs/ page's)`);
    }
  });

  it("one store for all: the same DATABASE_URL, on the postgres service's user and database; Redis and the secret key shared by the API processes", () => {
    const postgres = compose.services.postgres?.environment ?? {};
    const urls = new Set(trunkline.map(([, s]) => s.environment?.DATABASE_URL));
    assert.equal(urls.size, 1);
    const url = new URL([...urls][0] as string);
    assert.deepEqual([url.protocol, url.username, url.password, url.hostname, url.port, url.pathname], ["postgres:", postgres.POSTGRES_USER, postgres.POSTGRES_PASSWORD, "postgres", "5432", `/${postgres.POSTGRES_DB}`]);
    const api = compose.services.api?.environment ?? {};
    assert.equal(new URL(api.REDIS_URL ?? "").hostname, "redis");
    // Required, not defaulted: without one shared key each replica would make its own key file.
    assert.match(api.TRUNKLINE_SECRET_KEY ?? "", /^\$\{TRUNKLINE_SECRET_KEY:\?/);
    const config = loadConfig({ ...api, TRUNKLINE_SECRET_KEY: "0".repeat(64) });
    assert.deepEqual([config.host, config.port, config.databaseUrl], ["0.0.0.0", 8080, api.DATABASE_URL]);
    assert.deepEqual(compose.services.api?.ports, [`127.0.0.1:8080-8081:${config.port}`]);
  });

  it("the edge and the media relay listen on fixed addresses of the network, outside Docker's own range; the edge uses that relay; published ports are the ones they listen on", () => {
    const [ipam] = compose.networks.default.ipam.config;
    assert.ok(ipam);
    const edge = compose.services.edge as Service;
    const media = compose.services.media as Service;
    const edgeIp = edge.networks?.default?.ipv4_address as string;
    const mediaIp = media.networks?.default?.ipv4_address as string;
    for (const ip of [edgeIp, mediaIp]) {
      assert.ok(inCidr(ip, ipam.subnet), `${ip} in ${ipam.subnet}`);
      assert.ok(!inCidr(ip, ipam.ip_range), `${ip} outside the range Docker hands out (${ipam.ip_range})`);
    }
    const e = edge.environment ?? {};
    assert.equal(hostOf(e.TRUNKLINE_EDGE_LISTEN ?? ""), edgeIp);
    assert.equal(hostOf(e.TRUNKLINE_EDGE_RPC ?? ""), edgeIp, "API containers reach the RPC address the edge registers");
    const sip = portOf(e.TRUNKLINE_EDGE_LISTEN ?? "");
    assert.deepEqual(edge.ports, [`${sip}:${sip}/udp`, `${sip}:${sip}/tcp`, `${Number(sip) + 1}:${Number(sip) + 1}/tcp`]);
    assert.match(edge.healthcheck?.test?.join(" ") ?? "", new RegExp(`http://${e.TRUNKLINE_EDGE_RPC}/RPC.*core\\.uptime`));
    const m = media.environment ?? {};
    assert.equal(hostOf(m.TRUNKLINE_MEDIA_NG_LISTEN ?? ""), mediaIp);
    assert.equal(m.TRUNKLINE_MEDIA_INTERFACE, mediaIp);
    assert.equal(e.TRUNKLINE_MEDIA_NG, m.TRUNKLINE_MEDIA_NG_LISTEN);
    assert.deepEqual(media.ports, [`${m.TRUNKLINE_MEDIA_PORTS}:${m.TRUNKLINE_MEDIA_PORTS}/udp`]);
    assert.match(media.healthcheck?.test?.join(" ") ?? "", new RegExp(`ping.*${portOf(m.TRUNKLINE_MEDIA_NG_LISTEN ?? "")}, '${mediaIp}'`));
    // The edge's self-signed TLS certificate outlives the container.
    assert.deepEqual(edge.volumes, ["edge-data:/var/lib/trunkline/data"]);
    assert.ok("edge-data" in compose.volumes && "pg-data" in compose.volumes);
  });

  it("each service's environment is accepted by the code that reads it (substitutions filled as in docs/deploy.md)", () => {
    const filled = (env: Record<string, string> = {}) =>
      Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replace(/\$\{TRUNKLINE_SECRET_KEY:\?[^}]*\}/, "0".repeat(64)).replace(/\$\{TRUNKLINE_(EDGE|MEDIA)_ADVERTISE:-\}/, "203.0.113.10")]));
    for (const [, service] of trunkline) loadConfig(filled(service.environment));
    const edgeEnv = filled(compose.services.edge?.environment);
    const edge = edgeOptions(loadConfig(edgeEnv), edgeEnv);
    assert.deepEqual([edge.sipAddress, edge.sipPort, edge.rpcAddress, edge.rpcPort, edge.advertise?.host], ["172.29.60.10", 5060, "172.29.60.10", 5071, "203.0.113.10"]);
    assert.deepEqual(mediaOptions(edgeEnv)?.ng.map((a) => `${a.host}:${a.port}`), ["172.29.60.20:2223"]);
    const relay = mediaRelayConfig(filled(compose.services.media?.environment));
    assert.deepEqual([relay.ngAddress, relay.interfaceAddress, relay.advertise, relay.portMin, relay.portMax], ["172.29.60.20:2223", "172.29.60.20", "203.0.113.10", 30000, 30199]);
  });

  it("the media relay's health check, pointed at a real rtpengine on loopback, exits 0; with nothing answering, 1", async () => {
    const media = compose.services.media as Service;
    const [cmd, node, flag, script] = media.healthcheck?.test ?? [];
    assert.deepEqual([cmd, node, flag], ["CMD", "node", "-e"]);
    const ng = media.environment?.TRUNKLINE_MEDIA_NG_LISTEN ?? "";
    const target = `${portOf(ng)}, '${hostOf(ng)}'`;
    assert.ok(script?.includes(target), script);
    const port = await freePort();
    const here = (script as string).replace(target, `${port}, '127.0.0.1'`);
    const check = () => spawnSync(process.execPath, ["-e", here], { timeout: 10_000 }).status;
    // No call is set up: the port range is never bound.
    const relay = await startRtpengine({ ngAddress: `127.0.0.1:${port}`, interfaceAddress: "127.0.0.1", portMin: 40100, portMax: 40103 });
    try {
      assert.equal(check(), 0, relay.output());
    } finally {
      await relay.stop();
    }
    assert.equal(check(), 1);
  });

  it("the edge's health check, pointed at a real Kamailio edge on loopback, exits 0; once it stopped, 1", async () => {
    const edge = compose.services.edge as Service;
    const [cmd, node, flag, script] = edge.healthcheck?.test ?? [];
    assert.deepEqual([cmd, node, flag], ["CMD", "node", "-e"]);
    const target = `http://${edge.environment?.TRUNKLINE_EDGE_RPC}/RPC`;
    assert.ok(script?.includes(target), script);
    const dir = mkdtempSync(join(tmpdir(), "tl-compose-edge-"));
    const rpc = `127.0.0.1:${await freePort()}`;
    const env = {
      DATABASE_URL: join(dir, "trunkline.db"),
      TRUNKLINE_EDGE_LISTEN: `127.0.0.1:${await freePort()}`,
      TRUNKLINE_EDGE_TLS_LISTEN: `127.0.0.1:${await freePort()}`,
      TRUNKLINE_EDGE_RPC: rpc,
      TRUNKLINE_EDGE_TLS_DIR: join(dir, "edge-tls"),
      TRUNKLINE_EDGE_PROBE_INTERVAL: "0",
    };
    const config = loadConfig(env);
    const check = () => spawnSync(process.execPath, ["-e", (script as string).replace(target, `http://${rpc}/RPC`)], { timeout: 10_000 }).status;
    try {
      await prepareEdgeStore(config);
      const running = startEdge({ ...edgeOptions(config, env), children: 1 }, { shmMb: 32, stdio: "ignore" });
      try {
        let status = check();
        for (let i = 0; i < 60 && status !== 0 && !running.hasExited(); i++) {
          await new Promise((r) => setTimeout(r, 250));
          status = check();
        }
        assert.equal(status, 0, "healthy once Kamailio answers JSON-RPC");
      } finally {
        await running.stop(3000);
      }
      assert.equal(check(), 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
