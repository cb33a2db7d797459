import type { PageProps } from "../routes.js";

/** Placeholder until the page is built. */
export function CallPage(_props: PageProps) {
  return <h1>Call</h1>;
}
