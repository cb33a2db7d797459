import { basicAuth, send, type ApiReply } from "./client.js";

/** One curl command of a document: what it would send. */
export interface CurlRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
}

/** Shell words of one command: '...' and "..." quoting (no escapes inside quotes), line continuations. */
function words(command: string): string[] {
  const out: string[] = [];
  const re = /'([^']*)'|"([^"]*)"|(\S+)/g;
  for (const m of command.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3] ?? "");
  return out;
}

/** The curl commands of a shell snippet, in order; `#` comment lines are skipped. */
export function parseCurl(script: string): CurlRequest[] {
  const lines = script.replace(/\\\n/g, " ").split("\n");
  const commands: string[] = [];
  for (const line of lines) {
    if (/^\s*curl\s/.test(line)) commands.push(line);
    else if (!/^\s*#/.test(line) && line.trim() !== "" && commands.length > 0) commands[commands.length - 1] += `\n${line}`;
  }
  return commands.map((command) => {
    const args = words(command).slice(1);
    const req: CurlRequest = { method: "", url: new URL("http://invalid"), headers: {} };
    for (let i = 0; i < args.length; i++) {
      const a = args[i] as string;
      if (a === "-X") req.method = args[++i] as string;
      else if (a === "-H") {
        const [name = "", ...value] = (args[++i] as string).split(":");
        req.headers[name.trim().toLowerCase()] = value.join(":").trim();
      } else if (a === "-d") req.body = args[++i];
      else req.url = new URL(a);
    }
    req.method ||= req.body === undefined ? "GET" : "POST";
    return req;
  });
}

/**
 * The request as fetch would send it to `baseUrl`: the path and query of the document's URL, its
 * headers and body, and the `user:pass@` of the URL as a Basic Authorization header. `subs` replace
 * placeholders (sample trunk sids, sample ids) in the path and body.
 */
export function sendCurl(req: CurlRequest, baseUrl: string, subs: Record<string, string> = {}): Promise<ApiReply> {
  const swap = (text: string) => Object.entries(subs).reduce((t, [from, to]) => t.split(from).join(to), text);
  const headers = { ...req.headers };
  if (req.url.username) headers.authorization = basicAuth(decodeURIComponent(req.url.username), decodeURIComponent(req.url.password));
  return send(`${baseUrl}${swap(req.url.pathname + req.url.search)}`, req.method, { headers, body: req.body === undefined ? undefined : swap(req.body) });
}
