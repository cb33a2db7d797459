import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { buildConsole } from "../../scripts/build-console.js";
import { basicAuth, ExotelClient, send } from "../helpers/client.js";
import { CarrierClient } from "../helpers/carrierClient.js";
import { freePort } from "../helpers/process.js";
import { until } from "../helpers/wait.js";
import { expectCall } from "../edge/assertions.js";
import { startEdgeStack, type EdgeStack } from "../edge/harness.js";
import { Provision } from "../edge/provision.js";
import { startPbx, type Pbx } from "../edge/sipPbx.js";
import { addSeconds, ago, insertCall, trunkIdOf } from "../calls/fixture.js";
import { PAGE_SIZE } from "../../src/console/pages/calls/query.js";
import { call } from "../edge/sipp.js";
import { CHROMIUM, click, DESKTOP, go, shot, signIn, waitForText } from "./harness.js";

// Issue 15: the console's calls, dashboard and health pages against a real server on SQLite, a
// real Kamailio edge (signalling only) and calls placed with sipp.
// Edge on 127.0.215.1; PBXs on 127.0.215.10x; callers on 127.0.216.x.
const EDGE_ADDRESS = "127.0.215.1";
// Probes every second; 2 misses mark a destination down: the health page has something to show quickly.
const EDGE_ENV = { TRUNKLINE_EDGE_PROBE_INTERVAL: "1", TRUNKLINE_EDGE_PROBE_DOWN_AFTER: "2", TRUNKLINE_EDGE_PROBE_UP_AFTER: "2", TRUNKLINE_MEDIA: "off" };
const NUMBER = "+919800002151";
/** Mapped to a trunk whose one PBX is busy (486): a call that is not answered. */
const BUSY = "+919800002152";
const MAX_CHANNELS = 5;

const text = (page: Page, selector: string) => page.$eval(selector, (el) => (el as HTMLElement).innerText.trim());

/** Waits until the element at `selector` shows `want` (a regexp source); fails with what the page shows. */
async function waitIn(page: Page, selector: string, want: string, timeout = 15_000): Promise<void> {
  try {
    await page.waitForFunction((sel: string, re: string) => new RegExp(re).test((document.querySelector(sel) as HTMLElement | null)?.innerText ?? ""), { timeout, polling: 200 }, selector, want);
  } catch {
    assert.fail(`${selector} did not show /${want}/ within ${timeout} ms; the page shows:\n${await page.evaluate(() => document.body.innerText)}`);
  }
}

describe("console: calls, dashboard and health [sqlite]", () => {
  let dir: string;
  let stack: EdgeStack;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  /** While set, a 400 from the API is what the step provokes. */
  let refusalExpected = false;
  let key: string;
  let token: string;
  let exotel: ExotelClient;
  let failing: Pbx;
  let answering: Pbx;
  let busy: Pbx;
  let deaf = false;
  let pbxTrunk: string;
  let callerTrunk: string;
  /** The calls placed, by what they are: sids read from the API. */
  const sids: { answered?: string; busy?: string } = {};

  before(async () => {
    if (!existsSync(CHROMIUM)) assert.fail(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)`);
    dir = mkdtempSync(join(tmpdir(), "trunkline-console-calls-"));
    await buildConsole(dir, { minify: false });
    stack = await startEdgeStack("sqlite", EDGE_ADDRESS, EDGE_ENV, { TRUNKLINE_CONSOLE_DIR: dir });
    const issued = await stack.server.runtime.services.accounts.create({ sid: "console_calls" });
    key = issued.apiKey;
    token = issued.apiToken;
    exotel = new ExotelClient(stack.server.baseUrl, "console_calls", basicAuth(key, token));
    const p = new Provision(exotel);

    // The PBX trunk: the first destination refuses every INVITE with 503 (the call fails over,
    // leaving a hop) and later stops answering OPTIONS (down); the second answers.
    failing = await startPbx("127.0.215.101", await freePort(), "tcp", { answer: 503, ignoreOptions: () => deaf });
    answering = await startPbx("127.0.215.102", await freePort(), "tcp");
    pbxTrunk = await p.trunk("console_pbx");
    await p.destinations(pbxTrunk, [
      { destination: `${failing.address};transport=tcp`, priority: 1 },
      { destination: `${answering.address};transport=tcp`, priority: 2 },
    ]);
    await p.map(pbxTrunk, NUMBER);
    busy = await startPbx("127.0.215.103", await freePort(), "tcp", { answer: 486 });
    const busyTrunk = await p.trunk("console_busy");
    await p.destinations(busyTrunk, [{ destination: `${busy.address};transport=tcp` }]);
    await p.map(busyTrunk, BUSY);
    callerTrunk = await p.trunk("console_carrier");
    await p.allow(callerTrunk, "127.0.216.0", 24);
    // A channel limit to draw the meter against (the carrier dialect holds max_channels).
    const carrier = new CarrierClient(stack.server.baseUrl, token);
    const uuid = (await stack.server.runtime.store.db.selectFrom("trunks").select("uuid").where("sid", "=", pbxTrunk).executeTakeFirstOrThrow()).uuid;
    const patched = await carrier.request("PATCH", `/${uuid}`, { data: { type: "sip_trunk", id: uuid, attributes: { max_channels: MAX_CHANNELS } } });
    assert.equal(patched.status, 200, patched.text);
    await stack.settled();

    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
      defaultViewport: DESKTOP,
    });
    page = await browser.newPage();
    page.setDefaultTimeout(20_000);
    page.on("pageerror", (e) => problems.push(`page error: ${(e as Error).message}`));
    // Chromium logs every 4xx/5xx as a console error without its URL: the responses say which.
    page.on("console", (m) => {
      if (m.type() === "error" && !/status of [45]\d\d/.test(m.text())) problems.push(`console: ${m.text()}`);
    });
    page.on("response", (r) => {
      if (r.status() === 400 && refusalExpected) return;
      if (r.status() >= 400 && !r.url().endsWith("/favicon.ico")) problems.push(`HTTP ${r.status()} ${r.request().method()} ${r.url()}`);
    });
    page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ""}`));
    await page.goto(`${stack.server.baseUrl}/console/`, { waitUntil: "load" });
    await signIn(page, key, token);
  });

  after(async () => {
    await browser?.close();
    await failing?.stop();
    await answering?.stop();
    await busy?.stop();
    await stack?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The v1 list, newest first, as the API answers it. */
  const apiCalls = async () => {
    const r = await send(`${stack.server.baseUrl}/v1/Accounts/console_calls/Calls.json`, "GET", { headers: { authorization: exotel.authorization } });
    assert.equal(r.status, 200, r.text);
    return r.body.Calls as Array<{ Sid: string; Status: string; SipCode: number; To: string }>;
  };

  it("a held call shows on the dashboard's live meter against max_channels, then goes back to 0", async () => {
    await go(page, "/dashboard");
    await page.waitForSelector(`[data-testid="channels-${pbxTrunk}"]`);
    assert.match(await text(page, `[data-testid="channels-${pbxTrunk}"]`), new RegExp(`0 of ${MAX_CHANNELS} channels`));
    const held = call({ edge: stack.edge, from: "127.0.216.5", number: NUMBER, transport: "tcp", timeoutS: 30 }, { expect: 200, holdMs: 9000 });
    await waitIn(page, `[data-testid="channels-${pbxTrunk}"]`, `1 of ${MAX_CHANNELS} channels`);
    const meter = await page.$eval(`#meter-${pbxTrunk}`, (m) => ({ value: (m as HTMLMeterElement).value, max: (m as HTMLMeterElement).max }));
    assert.deepEqual(meter, { value: 1, max: MAX_CHANNELS });
    await shot(page, "dashboard-live");
    expectCall(await held, "the held call: failed over from the 503 to the second destination, answered");
    await waitIn(page, `[data-testid="channels-${pbxTrunk}"]`, `0 of ${MAX_CHANNELS} channels`);
  });

  it("calls placed through the edge appear in recent calls; filters narrow the list; a call's page shows its failover hop and final answer", async () => {
    expectCall(await call({ edge: stack.edge, from: "127.0.216.5", number: BUSY, transport: "tcp" }, { expect: 486 }), "the busy PBX: 486");
    // The edge writes the record as the final answer leaves it: the API may read a moment before it lands.
    const listed = await until("both calls in the v1 list", async () => {
      const l = await apiCalls();
      return l.length === 2 ? l : undefined;
    }, 10_000);
    const [busyCall, answered] = listed;
    assert.equal(answered?.Status, "completed");
    assert.equal(busyCall?.SipCode, 486);
    assert.equal(busyCall?.Status, "busy");
    sids.answered = answered?.Sid;
    sids.busy = busyCall?.Sid;

    await go(page, "/calls");
    await page.waitForSelector(`[data-testid="call-${sids.answered}"]`);
    await page.waitForSelector(`[data-testid="call-${sids.busy}"]`);
    const body = await waitForText(page, "486 ");
    assert.match(body, /200 OK/);
    await shot(page, "calls");

    // Status filter: only the busy call.
    await page.locator("::-p-aria(Status)").fill("busy");
    await click(page, "Apply filters");
    await page.waitForFunction((sid: string) => !document.querySelector(`[data-testid="call-${sid}"]`), { polling: 100 }, sids.answered ?? "");
    await page.waitForSelector(`[data-testid="call-${sids.busy}"]`);
    assert.match(await page.evaluate(() => location.hash), /status=busy/, "the filter is in the hash (Back returns to it)");
    // A range the API refuses: its message, as it words it, and no rows.
    await click(page, "Clear");
    await page.waitForSelector(`[data-testid="call-${sids.answered}"]`);
    await page.locator("::-p-aria(Started from (UTC))").fill("2026-01-01T00:00");
    await page.locator("::-p-aria(Started until (UTC))").fill("2026-03-01T00:00");
    refusalExpected = true;
    await click(page, "Apply filters");
    await page.waitForSelector('[data-testid="notice-error"]');
    refusalExpected = false;
    assert.match(await text(page, '[data-testid="notice-error"]'), /^DateCreated range must not exceed one month \(31 days\)/);
    assert.equal(await page.$(`[data-testid="call-${sids.answered}"]`), null);
    // Trunk filter: the PBX trunk's calls only.
    await click(page, "Clear");
    await page.waitForSelector(`[data-testid="call-${sids.answered}"]`);
    await page.locator("::-p-aria(Trunk)").fill(pbxTrunk);
    await click(page, "Apply filters");
    await page.waitForFunction((sid: string) => !document.querySelector(`[data-testid="call-${sid}"]`), { polling: 100 }, sids.busy ?? "");
    await page.waitForSelector(`[data-testid="call-${sids.answered}"]`);

    // The answered call's page: hop 1 the 503, then the final 200 from the second destination.
    await page.locator(`[data-testid="call-${sids.answered}"]`).click();
    await page.waitForSelector('[data-testid="attempt-2"]');
    assert.match(await text(page, '[data-testid="attempt-1"]'), /^503 /);
    assert.equal(await text(page, '[data-testid="attempt-2"]'), "200 OK");
    assert.equal(await text(page, '[data-testid="call-final"]'), "200 OK");
    const detail = await page.evaluate(() => document.body.innerText);
    assert.ok(detail.includes(`sip:${failing.address};transport=tcp`), "the failed destination is named");
    assert.ok(detail.includes(`sip:${answering.address};transport=tcp`), "the answering destination is named");
    assert.match(detail, /Ring time\s+\d+ ms/, "ring time from the record");
    await shot(page, "call");
  });

  it("the dashboard's chart data counts the calls: summary figures and a drawn canvas", async () => {
    await go(page, "/dashboard");
    await page.waitForSelector('[data-testid="stats-calls"]');
    assert.equal(await text(page, '[data-testid="stats-calls"]'), "2");
    assert.equal(await text(page, '[data-testid="stats-answered"]'), "1");
    assert.equal(await text(page, '[data-testid="stats-failed"]'), "1");
    assert.equal(await text(page, '[data-testid="stats-rate"]'), "50%");
    // uPlot drew its canvas at the container's width.
    const canvas = await page.waitForSelector('[data-testid="calls-chart"] canvas');
    const size = await canvas?.evaluate((c) => ({ w: (c as HTMLCanvasElement).width, h: (c as HTMLCanvasElement).height }));
    assert.ok(size && size.w > 200 && size.h > 100, `canvas drawn: ${JSON.stringify(size)}`);
    // The table alternative: the hour with the calls.
    await page.locator("::-p-aria(The chart's figures as a table (hours with calls))").click();
    const table = await text(page, ".chart-table table");
    assert.match(table, /\b2\s+1\s+1\s+50%/, table);
    await shot(page, "dashboard");
  });

  it("a destination that stops answering OPTIONS shows down on the health page; the check button shows each step", async () => {
    await go(page, "/health");
    await page.waitForSelector(`[data-testid="trunk-health-${pbxTrunk}"]`);
    await waitForText(page, `sip:${failing.address};transport=tcp`);
    deaf = true;
    await until("down in the Exotel API", async () => {
      const r = await exotel.request("GET", `/trunks/${pbxTrunk}/destination-uris`);
      const d = (r.body.response.data as Array<{ destination: string; health: { state: string } }>).find((x) => x.destination.includes(failing.address));
      return d?.health.state === "down" ? true : undefined;
    }, 15_000);
    // The page refreshes every 10 s by itself; Refresh now reads at once: the first destination down, the second up.
    const section = `[data-testid="trunk-health-${pbxTrunk}"]`;
    await click(page, "Refresh now");
    await waitIn(page, section, "\\bdown\\b");
    const rows = await page.$$eval(`${section} tbody tr`, (trs) => trs.map((tr) => (tr as HTMLElement).innerText));
    assert.equal(rows.length, 2, rows.join("\n"));
    assert.match(rows.find((r) => r.includes(failing.address)) ?? "", /\bdown\b/);
    assert.match(rows.find((r) => r.includes(answering.address)) ?? "", /\bup\b/);
    assert.match(rows.find((r) => r.includes(answering.address)) ?? "", /\d+ ms/, "the up destination's probe RTT");
    await shot(page, "health");

    await click(page, "Check trunk console_pbx");
    await page.waitForSelector(`${section} [data-testid="check-result"]`, { timeout: 30_000 });
    const steps = await page.$$eval(`${section} [data-testid^="check-step-"]`, (lis) => lis.map((li) => ({ name: li.getAttribute("data-testid")?.slice("check-step-".length), ok: li.classList.contains("step-ok"), text: (li as HTMLElement).innerText })));
    const names = steps.map((s) => s.name);
    for (const want of ["numbers", "access", "destinations", "edge", "options", "sync"]) assert.ok(names.includes(want), `step ${want} shown: ${names.join(", ")}`);
    const options = steps.filter((s) => s.name === "options");
    assert.equal(options.length, 2, "one OPTIONS step per destination");
    assert.equal(options.find((s) => s.text.includes(failing.address))?.ok, false, "the deaf destination fails its OPTIONS step");
    assert.equal(options.find((s) => s.text.includes(answering.address))?.ok, true);
    assert.equal(steps.find((s) => s.name === "sync")?.ok, true, "the edge is in sync");
    assert.match(await text(page, `${section} [data-testid="check-result"] [data-testid="notice-error"]`), /steps failed/);
    await shot(page, "health-check");
  });

  it("an operator sees the edge in sync on the health page", async () => {
    const op = await stack.server.runtime.services.accounts.create({ sid: "console_op", operator: true });
    const tab = await browser.newPage();
    tab.on("pageerror", (e) => problems.push(`page error: ${(e as Error).message}`));
    await tab.goto(`${stack.server.baseUrl}/console/`, { waitUntil: "load" });
    await signIn(tab, op.apiKey, op.apiToken);
    await go(tab, "/health");
    await tab.waitForSelector('[data-testid="edge-state"]');
    await waitIn(tab, '[data-testid="edge-state"]', "in sync");
    const body = await tab.evaluate(() => document.body.innerText);
    const rpcUrl = `http://127.0.0.1:${stack.options.rpcPort}/RPC`;
    assert.ok(body.includes(rpcUrl), `the edge ${rpcUrl} is listed:\n${body}`);
    assert.match(body, /No media relay/, "no relay in this stack (media off)");
    await shot(tab, "health-operator");
    // Acting as the account, the carrier reads (Trunkline-Account) give the call's ring time too.
    await go(tab, "/accounts");
    await click(tab, "Manage console_calls");
    await waitIn(tab, '[data-testid="acting-as"]', "console_calls");
    await go(tab, `/calls/${sids.answered}`);
    await tab.waitForSelector('[data-testid="attempt-2"]');
    await tab.waitForFunction(() => /Ring time\s+\d+ ms/.test(document.body.innerText), { timeout: 20_000, polling: 100 });
    await tab.close();
  });

  it("recent calls page with the list's cursors: older, then newer again; another account's call is on neither page", async () => {
    // 30 older records beside the 2 real calls (inserted as the edge writes them; no SIP needed for paging).
    const store = stack.server.runtime.store;
    const tin = (await trunkIdOf(store, callerTrunk)).id;
    for (let i = 0; i < 30; i++) {
      const started = ago(2 * 86400 + i * 60);
      await insertCall(store, { account_sid: "console_calls", trunk_in_id: tin, direction: "inbound", status: "completed", sip_code: 200, sip_reason: "OK", started_at: started, ended_at: addSeconds(started, 30), duration: 25 });
    }
    await stack.server.runtime.services.accounts.create({ sid: "console_other" });
    const foreign = await insertCall(store, { account_sid: "console_other", direction: "inbound", status: "completed", sip_code: 200, sip_reason: "OK", started_at: ago(2 * 86400 + 90), duration: 5 });
    const foreignShown = () => page.$(`[data-testid="call-${foreign}"]`);
    await go(page, "/calls");
    await page.waitForSelector(`[data-testid="call-${sids.busy}"]`);
    assert.equal(await foreignShown(), null);
    const rowCount = () => page.$$eval("table tbody tr", (trs) => trs.length);
    assert.equal(await rowCount(), PAGE_SIZE);
    assert.equal(await page.$eval("::-p-aria(← Newer calls)", (b) => (b as HTMLButtonElement).disabled), true, "the first page has nothing newer");
    await click(page, "Older calls →");
    await page.waitForFunction((sid: string) => !document.querySelector(`[data-testid="call-${sid}"]`), { polling: 100 }, sids.busy ?? "");
    assert.equal(await rowCount(), 32 - PAGE_SIZE);
    assert.equal(await foreignShown(), null);
    assert.match(await page.evaluate(() => location.hash), /after=/);
    await shot(page, "calls-page2");
    await click(page, "← Newer calls");
    await page.waitForSelector(`[data-testid="call-${sids.busy}"]`);
    assert.equal(await rowCount(), PAGE_SIZE);
  });

  it("no page error, console error or failed request along the way", () => {
    assert.deepEqual(problems, []);
  });
});
