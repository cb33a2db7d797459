/**
 * The signed-in session, held only in memory (a JS object): no cookie, no Web Storage, never in a
 * URL. Every API call carries the credentials itself, so there is no ambient credential to forge
 * a request with; a reload signs out.
 */
export interface SessionAccount {
  sid: string;
  name: string;
  operator: boolean;
}

export interface Session {
  /** Origin of the API (the server that serves the console). */
  baseUrl: string;
  apiKey: string;
  apiToken: string;
  /** The account the credentials belong to. */
  account: SessionAccount;
  /** An operator managing another account: that account's sid (Exotel paths use it). */
  actingAs: string | null;
}

/** The account whose data the Exotel calls address: the acted-as one, else the caller's own. */
export function accountSid(session: Session): string {
  return session.actingAs ?? session.account.sid;
}
