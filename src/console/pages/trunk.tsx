import type { PageProps } from "../routes.js";

/** Placeholder until the page is built. */
export function TrunkPage(_props: PageProps) {
  return <h1>Trunk</h1>;
}
