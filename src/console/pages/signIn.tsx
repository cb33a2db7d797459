import { useState } from "preact/hooks";
import { CarrierApiError, ExotelApiError } from "../../../packages/client/src/index.js";
import { errorText, exotel, ownAccount } from "../api.js";
import type { Session } from "../session.js";
import { Button } from "../ui/button.js";
import { Field } from "../ui/field.js";
import { Notice } from "../ui/notice.js";

export const BAD_CREDENTIALS = "The API key or token is not valid";

/** 401 from either API: the pair does not authenticate (403 on the own account: key of another). */
function isBadCredentials(e: unknown): boolean {
  return (e instanceof CarrierApiError && e.status === 401) || (e instanceof ExotelApiError && (e.status === 401 || e.status === 403));
}

/**
 * Signs in with an account's API key and token: the token (Bearer) names the account, then one
 * Exotel call proves the key belongs to it. Nothing is stored but the returned in-memory session.
 */
export function SignInPage({ onSignedIn, notice }: { onSignedIn: (s: Session) => void; notice?: string | null }) {
  const [apiKey, setKey] = useState("");
  const [apiToken, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    setError(null);
    if (!apiKey || !apiToken) return setError("Enter the account's API key and API token");
    setBusy(true);
    const baseUrl = location.origin;
    try {
      const account = await ownAccount({ baseUrl, apiToken });
      await exotel({ baseUrl, apiKey, apiToken }).GET("/v2/accounts/{account_sid}/trunks", { params: { path: { account_sid: account.sid }, query: { page_size: "1" } } });
      onSignedIn({ baseUrl, apiKey, apiToken, account, actingAs: null });
    } catch (err) {
      setError(isBadCredentials(err) ? BAD_CREDENTIALS : errorText(err));
      setBusy(false);
    }
  }

  return (
    <main id="main" class="signin">
      <h1>trunkline console</h1>
      <form onSubmit={submit} aria-labelledby="signin-title" novalidate>
        <h2 id="signin-title">Sign in</h2>
        {notice && !error && <Notice kind="info">{notice}</Notice>}
        <p class="hint">Use your account's API key and API token. They are kept in this tab's memory only: reloading the page signs you out.</p>
        <Field label="API key" name="api_key" autoComplete="username" value={apiKey} onInput={setKey} required />
        <Field label="API token" name="api_token" type="password" autoComplete="current-password" value={apiToken} onInput={setToken} required />
        {error && <Notice kind="error">{error}</Notice>}
        <Button type="submit" kind="primary" busy={busy}>
          Sign in
        </Button>
      </form>
    </main>
  );
}
