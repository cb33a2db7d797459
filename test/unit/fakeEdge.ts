import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** One JSON-RPC call a fake edge received. */
export interface RpcCall {
  method: string;
  params: unknown[];
  at: number;
}

/**
 * A real HTTP server on 127.0.0.1 speaking Kamailio's JSON-RPC as far as the reloader needs it:
 * every call is recorded and answered with `answer(method)` — a result, or an error to send.
 */
export async function startFakeEdge(answer: (method: string, params: unknown[]) => { error: string } | { result: unknown } = () => ({ result: "ok" }), port = 0) {
  const calls: RpcCall[] = [];
  const upSince = new Date().toUTCString();
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      const { method, params, id } = JSON.parse(body) as { method: string; params: unknown[]; id: number };
      calls.push({ method, params, at: Date.now() });
      const out = method === "core.uptime" ? { result: { now: new Date().toUTCString(), up_since: upSince, uptime: 1 } } : answer(method, params);
      const reply = "error" in out ? { jsonrpc: "2.0", error: { code: 500, message: out.error }, id } : { jsonrpc: "2.0", result: out.result, id };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(reply));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/RPC`;
  return {
    url,
    calls,
    /** Calls of `method` so far. */
    of: (method: string) => calls.filter((c) => c.method === method),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
