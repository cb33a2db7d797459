import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Page } from "puppeteer-core";
import { basicAuth, ExotelClient, send } from "../helpers/client.js";
import { click, fieldError, fill, go, openConsole, shot, SHOTS_DIR, signIn, waitForButton, waitForText, type ConsoleFixture } from "./harness.js";

// Issue 15: the console's sign-in, trunks and operator view in headless Chromium against a real
// server on SQLite. No SIP: the destination added is a string (127.0.210.0/24 is this suite's range).

/** The body text, for assertions on what is (not) shown. */
const bodyText = (page: Page) => page.evaluate(() => document.body.innerText);

/** Waits until `text` is gone from the page. */
async function waitGone(page: Page, text: string): Promise<void> {
  await page.waitForFunction((t: string) => !document.body.innerText.includes(t), { timeout: 20_000, polling: 100 }, text);
}

describe("console: sign-in, trunks, operator view [sqlite]", () => {
  let c: ConsoleFixture;
  let page: Page;
  const acme = { sid: "acme", key: "", token: "" };
  const globex = { sid: "globex", key: "", token: "" };
  const ops = { sid: "ops", key: "", token: "" };
  let acmeApi: ExotelClient;
  let globexApi: ExotelClient;

  before(async () => {
    c = await openConsole();
    const accounts = c.server.runtime.services.accounts;
    for (const [a, operator] of [[acme, false], [globex, false], [ops, true]] as const) {
      const issued = await accounts.create({ sid: a.sid, name: `${a.sid} Ltd`, operator });
      a.key = issued.apiKey;
      a.token = issued.apiToken;
    }
    acmeApi = new ExotelClient(c.server.baseUrl, acme.sid, basicAuth(acme.key, acme.token));
    globexApi = new ExotelClient(c.server.baseUrl, globex.sid, basicAuth(globex.key, globex.token));
    await acmeApi.createTrunk("acme_main");
    await globexApi.createTrunk("globex_only");
    // A channel limit on globex's trunk (carrier-only), for the operator acting as globex to see.
    const carrier = (method: string, path: string, body?: unknown) =>
      send(`${c.server.baseUrl}/carrier/v1${path}`, method, { headers: { authorization: `Bearer ${globex.token}`, ...(body ? { "content-type": "application/vnd.api+json" } : {}) }, body: body ? JSON.stringify(body) : undefined });
    const uuid = (await carrier("GET", "/sip_trunks?filter[name]=globex_only")).body.data[0].id as string;
    const patched = await carrier("PATCH", `/sip_trunks/${uuid}`, { data: { type: "sip_trunk", id: uuid, attributes: { max_channels: 7 } } });
    assert.equal(patched.status, 200, patched.text);
    page = await c.open();
  });
  after(async () => {
    await c?.close();
  });

  it("refuses a wrong token with a clear message and keeps the credentials out of the URL and storage", async () => {
    await signIn(page, acme.key, "not-the-token-at-all", { expectError: true });
    assert.match(await bodyText(page), /The API key or token is not valid/);
    // A right token with another account's key is just as wrong.
    await signIn(page, globex.key, acme.token, { expectError: true });
    assert.match(await bodyText(page), /The API key or token is not valid/);
    assert.equal(await page.$('nav[aria-label="Main"]'), null, "signed in with wrong credentials");
    await shot(page, "sign-in-error");
    // By keyboard alone: focus the key field, type, Tab to the token, Enter submits.
    await page.locator(`::-p-aria([name="API key"][role="textbox"])`).fill("");
    await page.focus("input[name=api_key]");
    await page.keyboard.type(acme.key);
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("name")), "api_token");
    await page.keyboard.type(acme.token);
    await page.keyboard.press("Enter");
    await page.waitForSelector('nav[aria-label="Main"]');
    const stored = await page.evaluate(() => ({ url: location.href, local: localStorage.length, session: sessionStorage.length, cookie: document.cookie }));
    assert.deepEqual({ ...stored, url: stored.url.includes(acme.token) }, { url: false, local: 0, session: 0, cookie: "" });
    await waitForText(page, "acme_main");
    assert.match(await page.$eval('[data-testid="managed-account"]', (el) => (el as HTMLElement).innerText), /acme/);
  });

  it("never shows another account's trunk", async () => {
    await go(page, "/trunks");
    await waitForText(page, "acme_main");
    assert.doesNotMatch(await bodyText(page), /globex_only/);
    await fill(page, "Find by name or sid", "globex");
    await click(page, "Search");
    await waitForText(page, "Trunks whose name starts with “globex”");
    await waitForText(page, "No trunks.");
    assert.doesNotMatch(await bodyText(page), /globex_only/);
    // A foreign trunk's sid is "not found", as through the API.
    const foreign = (await globexApi.request("GET", "/trunks")).body.response.data[0].trunk_sid as string;
    await go(page, `/trunks/${foreign}`);
    await waitForText(page, "does not exist");
    assert.doesNotMatch(await bodyText(page), /globex_only/);
  });

  it("searches by name in one request (the list's trunk_name filter)", async () => {
    await go(page, "/trunks");
    await waitForText(page, "acme_main");
    const seen: string[] = [];
    const onRequest = (r: { url(): string }) => void seen.push(r.url());
    page.on("request", onRequest);
    try {
      await fill(page, "Find by name or sid", "acme_");
      const answered = page.waitForResponse((r) => r.url().includes("trunk_name=acme_"));
      await click(page, "Search");
      await answered;
      await waitForText(page, "Trunks whose name starts with “acme_”");
      await waitForText(page, "acme_main");
      // Time for any further request the search might make (the old search read page after page).
      await new Promise((resolve) => setTimeout(resolve, 500));
    } finally {
      page.off("request", onRequest);
    }
    const lists = seen.filter((u) => u.includes("/v2/accounts/acme/trunks"));
    assert.equal(lists.length, 1, seen.join("\n"));
    assert.equal(new URL(lists[0]!).searchParams.get("trunk_name"), "acme_");
  });

  let trunkSid = "";

  it("creates a trunk: the API's message next to the name, then a valid one", async () => {
    await go(page, "/trunks");
    await waitForText(page, "New trunk");
    const bad = "bad name!";
    // What the API says about this name, asked directly.
    const direct = await acmeApi.request("POST", "/trunks", { trunk_name: bad, nso_code: "ANY-ANY", domain_name: "acme.pstn.exotel.com" });
    assert.equal(direct.status, 400);
    await fill(page, "Trunk name", bad);
    await click(page, "Create trunk");
    await page.waitForSelector('[data-testid="field-error"]');
    assert.equal(await fieldError(page, "Trunk name"), direct.body.response.error_data.description);
    await shot(page, "trunk-create-error");
    await fill(page, "Trunk name", "console_1");
    await click(page, "Create trunk");
    await waitForText(page, "Trunk console_1 created.");
    trunkSid = await page.$eval('[data-testid="trunk-sid"]', (el) => (el as HTMLElement).innerText);
    const fetched = await acmeApi.request("GET", `/trunks/${trunkSid}`);
    assert.equal(fetched.status, 200);
    assert.equal(fetched.body.response.data.trunk_name, "console_1");
    // A duplicate name: the conflict is shown by the name field.
    await go(page, "/trunks");
    await waitForText(page, "console_1");
    await fill(page, "Trunk name", "console_1");
    await click(page, "Create trunk");
    await page.waitForSelector('[data-testid="field-error"]');
    assert.match((await fieldError(page, "Trunk name")) ?? "", /console_1/);
  });

  it("adds a number, an IP and a destination, each seen through the Exotel API", async () => {
    await go(page, `/trunks/${trunkSid}`);
    await waitForText(page, "Phone numbers");
    // A bad number first: the API's message by the field.
    await fill(page, "Phone number", "12345");
    await click(page, "Map number");
    await page.waitForSelector('[data-testid="field-error"]');
    assert.match((await fieldError(page, "Phone number")) ?? "", /E\.164/);
    await fill(page, "Phone number", "+919876543210");
    await click(page, "Map number");
    await waitForButton(page, "Remove +919876543210");

    await fill(page, "IP address", "203.0.113.50");
    await fill(page, "Mask", "32");
    await fill(page, "Friendly name", "office");
    await click(page, "Whitelist IP");
    await waitForButton(page, "Remove 203.0.113.50/32");

    // A bad destination (batch write answered 207): its item's message by the field.
    await fill(page, "Destination", "nowhere");
    await click(page, "Add destination");
    await page.waitForSelector('[data-testid="field-error"]');
    assert.ok(await fieldError(page, "Destination"), "no message by the Destination field");
    await fill(page, "Destination", "127.0.210.5:5061;transport=tls");
    await fill(page, "Priority", "1");
    await fill(page, "Weight", "10");
    await click(page, "Add destination");
    await waitForButton(page, "Remove sip:127.0.210.5:5061;transport=tls");
    // The overview follows: a TLS destination enables secure trunking (read again from the API).
    await page.waitForFunction(
      () => [...document.querySelectorAll('dl[aria-label="Overview"] > div')].find((d) => d.querySelector("dt")?.textContent === "Secure trunking")?.querySelector("dd")?.textContent === "enabled",
      { timeout: 10_000 },
    );

    const numbers = (await acmeApi.request("GET", `/trunks/${trunkSid}/phone-numbers`)).body.response.data;
    assert.deepEqual(numbers.map((n: { phone_number: string }) => n.phone_number), ["+919876543210"]);
    const ips = (await acmeApi.request("GET", `/trunks/${trunkSid}/whitelisted-ips`)).body.response.data;
    assert.deepEqual(ips.map((w: { ip: string; mask: number; friendly_name: string }) => [w.ip, w.mask, w.friendly_name]), [["203.0.113.50", 32, "office"]]);
    const dests = (await acmeApi.request("GET", `/trunks/${trunkSid}/destination-uris`)).body.response.data;
    assert.deepEqual(dests.map((d: { destination: string; priority: number; weight: number }) => [d.destination, d.priority, d.weight]), [["sip:127.0.210.5:5061;transport=tls", 1, 10]]);
    // The destination's health as the API reports it (no edge here: unknown).
    const row = await page.$$eval("table tr", (trs) => trs.map((tr) => (tr as HTMLElement).innerText).find((t) => t.includes("127.0.210.5")) ?? "");
    assert.match(row, /unknown/);
  });

  it("adds credentials (password shown once), rotates one and removes one", async () => {
    const shownPassword = () => page.$eval('[data-testid="new-password"]', (el) => (el as HTMLElement).innerText);
    const creds = async () => {
      const data = (await acmeApi.request("GET", `/trunks/${trunkSid}/credentials`)).body.response.data;
      return (Array.isArray(data) ? data : [data]) as { username: string; password: string }[];
    };
    await fill(page, "User name", "console_user");
    await click(page, "Add credential");
    await page.waitForSelector('[data-testid="new-password"]');
    const first = await shownPassword();
    assert.equal((await creds()).find((x) => x.username === "console_user")?.password, first);
    await fill(page, "User name", "console_user2");
    await click(page, "Add credential");
    await waitForButton(page, "Rotate password of console_user2");
    // Shown now: console_user2's password; the rotation replaces it.
    await page.waitForFunction((old: string) => !document.body.innerText.includes(old) && document.querySelector('[data-testid="new-password"]') !== null, { timeout: 20_000 }, first);
    const before = await shownPassword();
    await click(page, "Rotate password of console_user");
    await page.waitForFunction((old: string) => !document.body.innerText.includes(old) && document.querySelector('[data-testid="new-password"]') !== null, { timeout: 20_000 }, before);
    const second = await shownPassword();
    assert.notEqual(second, first);
    assert.equal((await creds()).find((x) => x.username === "console_user")?.password, second);
    // The console never lists a stored password: only the one it just set.
    assert.equal((await bodyText(page)).split(second).length, 2);
    await click(page, "Remove console_user2");
    await waitForButton(page, "Remove console_user2", { gone: true });
    // Left: the trunk's own credential (user name = its sid, made with the trunk) and console_user.
    assert.deepEqual((await creds()).map((x) => x.username).sort(), [trunkSid, "console_user"].sort());
    // The trunk's only credential (answered as the reference's pair plus its id) rotates too.
    await click(page, "Remove console_user");
    await waitForButton(page, "Remove console_user", { gone: true });
    await waitForButton(page, `Rotate password of ${trunkSid}`);
    await click(page, `Rotate password of ${trunkSid}`);
    await page.waitForFunction((old: string) => !document.body.innerText.includes(old) && document.querySelector('[data-testid="new-password"]') !== null, { timeout: 20_000 }, second);
    const only = await creds();
    assert.deepEqual([only.length, only[0]?.username, only[0]?.password], [1, trunkSid, await shownPassword()]);
    await shot(page, "trunk");
    // The README's picture (docs/console.png is a copy): the trunk page as a desktop window shows it.
    await page.evaluate(() => scrollTo(0, 0));
    await page.screenshot({ path: join(SHOTS_DIR, "readme.png") });
  });

  it("renames the trunk and sets its caller id, with the API's messages by the fields", async () => {
    await fill(page, "Caller id (E.164)", "12345");
    await click(page, "Save caller id");
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="field-error"]').length > 0);
    assert.ok(await fieldError(page, "Caller id (E.164)"), "no message by the caller id field");
    await fill(page, "Caller id (E.164)", "+919876543211");
    await click(page, "Save caller id");
    await waitForText(page, "Caller id saved.");
    const settings = (await acmeApi.request("GET", `/trunks/${trunkSid}/settings`)).body.response.data as { name: string; value: string }[];
    assert.deepEqual(settings.map((x) => [x.name, x.value]), [["trunk_external_alias", "+919876543211"]]);

    // The edit form's "Trunk name" (the overview has no input): the one in the settings panel.
    await fill(page, "Trunk name", "no spaces allowed");
    await click(page, "Save trunk");
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="field-error"]').length > 0);
    assert.match((await fieldError(page, "Trunk name")) ?? "", /trunk_name/);
    await fill(page, "Trunk name", "console_2");
    await click(page, "Save trunk");
    await waitForText(page, "Trunk saved.");
    assert.equal((await acmeApi.request("GET", `/trunks/${trunkSid}`)).body.response.data.trunk_name, "console_2");
    await waitForText(page, "Trunk console_2");
  });

  it("deletes the trunk", async () => {
    await click(page, "Delete trunk");
    await click(page, "Yes, delete console_2");
    await waitForText(page, "Trunk console_2 deleted.");
    assert.equal((await acmeApi.request("GET", `/trunks/${trunkSid}`)).status, 404);
    await waitForText(page, "acme_main");
    await shot(page, "trunks");
    await click(page, "Sign out");
    await page.waitForSelector("form");
  });

  it("lets an operator see every account and act as one", async () => {
    await signIn(page, ops.key, ops.token);
    await go(page, "/accounts");
    await waitForText(page, "Manage globex");
    const text = await bodyText(page);
    for (const sid of ["acme", "globex"]) assert.match(text, new RegExp(`Manage ${sid}`));
    await shot(page, "accounts");
    await click(page, "Manage globex");
    await waitForText(page, "Acting as account globex");
    await waitForText(page, "globex_only");
    assert.doesNotMatch(await bodyText(page), /acme_main/);
    assert.match(await page.$eval('[data-testid="managed-account"]', (el) => (el as HTMLElement).innerText), /globex/);
    await shot(page, "acting-as");
    // The carrier view as globex (Trunkline-Account): max_channels on the trunk page and the dashboard.
    const globexSid = (await globexApi.request("GET", "/trunks")).body.response.data[0].trunk_sid as string;
    await go(page, `/trunks/${globexSid}`);
    await page.waitForSelector('[data-testid="max-channels"]');
    assert.equal(await page.$eval('[data-testid="max-channels"]', (el) => (el as HTMLElement).innerText), "7");
    assert.match(await page.$eval('[data-testid="carrier-id"]', (el) => (el as HTMLElement).innerText), /^[0-9a-f-]{36}$/);
    await go(page, "/dashboard");
    await waitForText(page, "0 of 7 channels");
    await click(page, "Back to my account");
    await waitGone(page, "Acting as account");
    await waitGone(page, "globex_only");
  });

  it("hides the accounts page from an account that is not an operator", async () => {
    await click(page, "Sign out");
    await signIn(page, acme.key, acme.token);
    assert.equal(await page.$('a[href="#/accounts"]'), null);
    await go(page, "/accounts");
    await waitForText(page, "Only operators see every account.");
  });

  it("signs out when the token stops working (rotated while signed in)", async () => {
    await go(page, "/trunks");
    await waitForText(page, "acme_main");
    const rotated = await c.server.runtime.services.accounts.rotateToken(acme.sid);
    await go(page, "/trunks?offset=25"); // a new request (the page already shown made none)
    await waitForText(page, "You were signed out: the API no longer accepts this API key and token");
    assert.equal(await page.$('nav[aria-label="Main"]'), null);
    await signIn(page, acme.key, rotated.apiToken);
    await go(page, "/trunks");
    await waitForText(page, "acme_main");
    assert.deepEqual(c.problems, [], "the browser reported problems");
  });
});
