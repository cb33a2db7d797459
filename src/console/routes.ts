import type { FunctionComponent } from "preact";
import { AccountsPage } from "./pages/accounts.js";
import { CallPage } from "./pages/call.js";
import { CallsPage } from "./pages/calls.js";
import { DashboardPage } from "./pages/dashboard.js";
import { HealthPage } from "./pages/health.js";
import { TrunkPage } from "./pages/trunk.js";
import { TrunksPage } from "./pages/trunks.js";
import type { Session } from "./session.js";

export type PageProps = { session: Session; params: Record<string, string> };

export interface Route {
  /** Hash path pattern; `:name` segments become params. */
  pattern: string;
  page: FunctionComponent<PageProps>;
  /** Shown in the navigation when set. */
  nav?: string;
  /** Only operators see it (the API refuses others anyway). */
  operatorOnly?: boolean;
}

export const routes: Route[] = [
  { pattern: "/dashboard", page: DashboardPage, nav: "Dashboard" },
  { pattern: "/trunks", page: TrunksPage, nav: "Trunks" },
  { pattern: "/trunks/:sid", page: TrunkPage },
  { pattern: "/calls", page: CallsPage, nav: "Calls" },
  { pattern: "/calls/:sid", page: CallPage },
  { pattern: "/health", page: HealthPage, nav: "Health" },
  { pattern: "/accounts", page: AccountsPage, nav: "Accounts", operatorOnly: true },
];

export const DEFAULT_PATH = "/trunks";

/** The route a hash (`#/trunks/tr…?x=1`) names, with its params (path segments and query). */
export function match(hash: string): { route: Route; params: Record<string, string> } | null {
  const raw = hash.replace(/^#/, "") || DEFAULT_PATH;
  const [path = "", query = ""] = raw.split("?", 2);
  const parts = path.split("/").filter(Boolean);
  for (const route of routes) {
    const want = route.pattern.split("/").filter(Boolean);
    if (want.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const ok = want.every((seg, i) => {
      const got = parts[i] as string;
      if (seg.startsWith(":")) {
        params[seg.slice(1)] = decodeURIComponent(got);
        return true;
      }
      return seg === got;
    });
    if (!ok) continue;
    for (const [k, v] of new URLSearchParams(query)) params[k] = v;
    return { route, params };
  }
  return null;
}

/** A hash for a path and optional query params (empty values left out). */
export function href(path: string, query: Record<string, string | undefined> = {}): string {
  const q = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => !!e[1])).toString();
  return `#${path}${q ? `?${q}` : ""}`;
}
