import type { PageProps } from "../routes.js";

/** Placeholder until the page is built. */
export function DashboardPage(_props: PageProps) {
  return <h1>Dashboard</h1>;
}
