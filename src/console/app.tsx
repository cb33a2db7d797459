import { useEffect, useMemo, useState } from "preact/hooks";
import { UNAUTHORIZED_EVENT } from "./api.js";
import { SignInPage } from "./pages/signIn.js";
import { href, match, routes } from "./routes.js";
import { accountSid, type Session } from "./session.js";
import { SessionActionsContext, type SessionActions } from "./sessionActions.js";
import { Button } from "./ui/button.js";
import { Notice } from "./ui/notice.js";

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  return hash;
}

/** Sign-in gate, header (who is managed), navigation and the hash router. */
export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [ended, setEnded] = useState<string | null>(null);
  const hash = useHash();
  // A 401 while signed in: the key or token no longer works (rotated, account deleted).
  useEffect(() => {
    if (!session) return;
    const on = () => {
      setSession(null);
      setEnded("You were signed out: the API no longer accepts this API key and token (rotated or deleted?).");
    };
    addEventListener(UNAUTHORIZED_EVENT, on);
    return () => removeEventListener(UNAUTHORIZED_EVENT, on);
  }, [session]);
  const actions = useMemo<SessionActions>(
    () => ({
      setActingAs: (sid) => setSession((s) => (s ? { ...s, actingAs: sid && sid !== s.account.sid ? sid : null } : s)),
      signOut: () => setSession(null),
    }),
    [],
  );

  if (!session)
    return (
      <SignInPage
        notice={ended}
        onSignedIn={(s) => {
          setEnded(null);
          setSession(s);
        }}
      />
    );

  const found = match(hash);
  const path = (hash.replace(/^#/, "").split("?")[0] ?? "") || "/trunks";
  const managed = accountSid(session);
  const Page = found?.route.page;
  return (
    <SessionActionsContext.Provider value={actions}>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById("main")?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <div class="brand">trunkline</div>
        <nav aria-label="Main">
          <ul>
            {routes
              .filter((r) => r.nav && (!r.operatorOnly || session.account.operator))
              .map((r) => (
                <li key={r.pattern}>
                  <a href={href(r.pattern)} aria-current={path === r.pattern || path.startsWith(`${r.pattern}/`) ? "page" : undefined}>
                    {r.nav}
                  </a>
                </li>
              ))}
          </ul>
        </nav>
        <div class="who" data-testid="managed-account">
          <span>
            Account <strong>{managed}</strong>
            {session.account.operator && !session.actingAs && <span class="badge">operator</span>}
          </span>
          <Button onClick={actions.signOut}>Sign out</Button>
        </div>
      </header>
      {session.actingAs && (
        <div class="acting" role="status" data-testid="acting-as">
          <span>
            Acting as account <strong>{session.actingAs}</strong> (signed in as {session.account.sid}).
          </span>
          <Button onClick={() => actions.setActingAs(null)}>Back to my account</Button>
        </div>
      )}
      <main id="main" tabIndex={-1}>
        {Page && found ? <Page key={`${managed}:${path}`} session={session} params={found.params} /> : <Notice kind="error">No page at {path}.</Notice>}
      </main>
    </SessionActionsContext.Provider>
  );
}
