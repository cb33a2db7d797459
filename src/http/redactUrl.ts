/**
 * Query parameters whose value is a credential (compared without case, `-` and `_`): a token sent
 * in the URL is refused, but the URL is logged, so the value must not be.
 */
const SECRET_PARAMS = new Set(["token", "apitoken", "accesstoken", "refreshtoken", "idtoken", "key", "apikey", "password", "passwd", "pwd", "pass", "secret", "clientsecret", "auth", "authorization", "signature", "sig", "credential", "credentials", "session", "sessionid"]);

export const REDACTED = "[REDACTED]";

function isSecretName(name: string): boolean {
  const bare = name.toLowerCase().replace(/[-_]/g, "");
  return SECRET_PARAMS.has(bare) || /(token|secret|password|apikey)$/.test(bare);
}

/**
 * A request target as it may be logged: the values of credential-like query parameters, and the
 * user:password of an absolute-form target (`http://user:pass@host/...`), replaced by [REDACTED].
 * Everything else is kept byte for byte, so log lines still show what was asked.
 */
export function redactUrl(url: string): string {
  // The usual target (origin form, no query) has nothing to redact: no regex, no copy.
  if (url.charCodeAt(0) === 47 && !url.includes("?")) return url;
  let out = url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#@]*@/i, `$1${REDACTED}@`);
  const q = out.indexOf("?");
  if (q < 0) return out;
  const hash = out.indexOf("#", q);
  const end = hash < 0 ? out.length : hash;
  const query = out
    .slice(q + 1, end)
    .split("&")
    .map((pair) => {
      const eq = pair.indexOf("=");
      const rawName = eq < 0 ? pair : pair.slice(0, eq);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, " "));
      } catch {
        // A malformed escape is logged as sent.
      }
      return eq >= 0 && isSecretName(name) ? `${rawName}=${REDACTED}` : pair;
    })
    .join("&");
  out = `${out.slice(0, q + 1)}${query}${out.slice(end)}`;
  return out;
}
