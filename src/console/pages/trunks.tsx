import type { PageProps } from "../routes.js";

/** Placeholder until the page is built. */
export function TrunksPage(_props: PageProps) {
  return <h1>Trunks</h1>;
}
