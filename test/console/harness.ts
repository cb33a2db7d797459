import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { buildConsole } from "../../scripts/build-console.js";
import { startServer, type TestServer } from "../helpers/server.js";
import type { EngineName } from "../helpers/stores.js";

export const CHROMIUM = process.env.TRUNKLINE_TEST_CHROMIUM ?? "/usr/bin/chromium";
/** Screenshots for review (gitignored). */
export const SHOTS_DIR = resolve("test-results/console");
export const DESKTOP = { width: 1280, height: 800 } as const;
// Width and height only: changing isMobile/hasTouch makes Chromium reload the page, which signs out.
export const PHONE = { width: 390, height: 844 } as const;

/** The demo account (`trunkline serve --demo`). */
export const DEMO = { sid: "exoteltest", apiKey: "exoteltest", apiToken: "a1b2c3d4e5f6g7h8i9j0" } as const;

export interface ConsoleFixture {
  server: TestServer;
  browser: Browser;
  /** http://127.0.0.1:port/console/ */
  url: string;
  /** A new tab at the console (desktop size), its console errors and CSP violations collected in `problems`. */
  open(): Promise<Page>;
  /** Every page error, failed request to this server and console error of every tab so far. */
  problems: string[];
  close(): Promise<void>;
}

/**
 * A real server on `engine` (default SQLite) serving a console freshly built into a temp dir (no
 * stale assets), and headless Debian Chromium (no browser download). `env` adds to the server's.
 */
export async function openConsole(options: { engine?: EngineName; env?: Record<string, string> } = {}): Promise<ConsoleFixture> {
  if (!existsSync(CHROMIUM)) assert.fail(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium; npm test's pretest does it)`);
  const dir = mkdtempSync(join(tmpdir(), "trunkline-console-"));
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  try {
    await buildConsole(dir, { minify: false });
    server = await startServer(options.engine ?? "sqlite", { TRUNKLINE_CONSOLE_DIR: dir, ...options.env });
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      // Every host but loopback unresolvable: a console that needed a CDN would fail here.
      args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
      defaultViewport: DESKTOP,
    });
    const problems: string[] = [];
    const url = `${server.baseUrl}/console/`;
    const b = browser;
    const s = server;
    return {
      server: s,
      browser: b,
      url,
      problems,
      async open() {
        const page = await b.newPage();
        page.setDefaultTimeout(20_000);
        page.on("pageerror", (e) => problems.push(`page error: ${(e as Error).message}`));
        page.on("console", (m) => {
          // 4xx answers the console expects (a wrong token) are logged by Chromium as resource errors.
          if (m.type() === "error" && !/status of 4\d\d/.test(m.text())) problems.push(`console: ${m.text()}`);
        });
        if (process.env.TRUNKLINE_TEST_CONSOLE_DEBUG) {
          page.on("console", (m) => console.log(`[browser ${m.type()}] ${m.text()}`));
          page.on("response", (r) => console.log(`[browser] ${r.request().method()} ${r.url()} ${r.status()}`));
          page.on("framenavigated", (f) => console.log(`[browser] navigated ${f.url()}`));
        }
        page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ""}`));
        await page.goto(url, { waitUntil: "load" });
        return page;
      },
      async close() {
        await b.close();
        await s.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await browser?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** The id of the input (or select) whose <label> reads exactly `label`; waits for it. */
async function labelled(page: Page, label: string): Promise<string> {
  try {
    const handle = await page.waitForFunction(
      (l: string) => {
        const found = [...document.querySelectorAll("label")].find((x) => x.textContent?.trim() === l);
        return found?.htmlFor && document.getElementById(found.htmlFor) ? found.htmlFor : null;
      },
      { timeout: 20_000, polling: 100 },
      label,
    );
    return (await handle.jsonValue()) as string;
  } catch {
    return assert.fail(`no field labelled "${label}"; the page shows:\n${await page.evaluate(() => document.body.innerText)}`);
  }
}

/** The input labelled `label`, filled with `value` (replacing what was there). */
export async function fill(page: Page, label: string, value: string): Promise<void> {
  await page.locator(`[id="${await labelled(page, label)}"]`).fill(value);
}

/** Clicks the button (or, with role "link", the link) whose accessible name is `name`. */
export async function click(page: Page, name: string, role: "button" | "link" = "button"): Promise<void> {
  try {
    await page.locator(`::-p-aria([name=${JSON.stringify(name)}][role="${role}"])`).click();
  } catch (e) {
    assert.fail(`no ${role} "${name}" to click (${(e as Error).message}); the page shows:\n${await page.evaluate(() => document.body.innerText)}`);
  }
}

/** Waits for a button whose accessible name is `name` (or, with `gone`, for there to be none). */
export async function waitForButton(page: Page, name: string, options: { gone?: boolean } = {}): Promise<void> {
  const selector = `::-p-aria([name=${JSON.stringify(name)}][role="button"])`;
  try {
    await page.waitForSelector(selector, options.gone ? { hidden: true } : {});
  } catch {
    assert.fail(`button "${name}" ${options.gone ? "still there" : "did not appear"}; the page shows:\n${await page.evaluate(() => document.body.innerText)}`);
  }
}

/** Waits until `text` is somewhere in the page's visible text; returns the body text. */
export async function waitForText(page: Page, text: string, timeout = 20_000): Promise<string> {
  try {
    await page.waitForFunction((t: string) => document.body.innerText.includes(t), { timeout, polling: 100 }, text);
  } catch {
    assert.fail(`"${text}" did not appear; the page shows:\n${await page.evaluate(() => document.body.innerText)}`);
  }
  return page.evaluate(() => document.body.innerText);
}

/** The error shown under the field labelled `label` (aria-describedby), or null. */
export async function fieldError(page: Page, label: string): Promise<string | null> {
  const input = await page.locator(`[id="${await labelled(page, label)}"]`).waitHandle();
  return input.evaluate((el) => {
    const ids = (el.getAttribute("aria-describedby") ?? "").split(/\s+/).filter(Boolean);
    const err = ids.map((id) => document.getElementById(id)).find((n) => n?.classList.contains("field-error"));
    return err?.textContent ?? null;
  });
}

/** Signs in through the form; waits for the app (navigation shown) unless `expectError`. */
export async function signIn(page: Page, apiKey: string, apiToken: string, options: { expectError?: boolean } = {}): Promise<void> {
  await fill(page, "API key", apiKey);
  await fill(page, "API token", apiToken);
  await click(page, "Sign in");
  const want = options.expectError ? '[data-testid="notice-error"]' : 'nav[aria-label="Main"]';
  try {
    await page.waitForSelector(want);
  } catch {
    assert.fail(`sign-in did not ${options.expectError ? "fail" : "succeed"}; the page shows:\n${await page.evaluate(() => document.body.innerText)}`);
  }
}

/** Goes to a console route (`/trunks`, `/trunks/tr…`) without reloading (a reload signs out). */
export async function go(page: Page, path: string): Promise<void> {
  await page.evaluate((p: string) => {
    location.hash = `#${p}`;
  }, path);
}

/** Saves `<name>-desktop.png` (1280×800) and `<name>-phone.png` (390×844), full page, under test-results/console/. */
export async function shot(page: Page, name: string): Promise<{ desktop: string; phone: string }> {
  mkdirSync(SHOTS_DIR, { recursive: true });
  const desktop = join(SHOTS_DIR, `${name}-desktop.png`);
  const phone = join(SHOTS_DIR, `${name}-phone.png`);
  await page.setViewport(DESKTOP);
  await page.screenshot({ path: desktop as `${string}.png`, fullPage: true });
  await page.setViewport(PHONE);
  await page.screenshot({ path: phone as `${string}.png`, fullPage: true });
  await page.setViewport(DESKTOP);
  return { desktop, phone };
}
