import type { PageProps } from "../routes.js";

/** Placeholder until the page is built. */
export function CallsPage(_props: PageProps) {
  return <h1>Calls</h1>;
}
