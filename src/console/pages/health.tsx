import type { PageProps } from "../routes.js";

/** Placeholder until the page is built. */
export function HealthPage(_props: PageProps) {
  return <h1>Health</h1>;
}
