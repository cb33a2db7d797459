import type { PageProps } from "../routes.js";

/** Placeholder until the page is built. */
export function AccountsPage(_props: PageProps) {
  return <h1>Accounts</h1>;
}
