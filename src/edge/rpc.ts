import { Agent, request } from "node:http";

export class RpcError extends Error {
  constructor(
    message: string,
    readonly code?: number,
    /** The edge answered (with an error); false: no answer at all (timeout). */
    readonly answered = true,
  ) {
    super(message);
  }
}

/** Whether a failed call got an answer from the edge: connection errors and timeouts did not. */
export const edgeAnswered = (error: unknown): boolean => error instanceof RpcError && error.answered;

/**
 * JSON-RPC 2.0 over HTTP to one Kamailio edge (jsonrpcs + xhttp). Keep-alive, so a burst of
 * per-key htable updates reuses a few connections.
 */
export class EdgeRpc {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 16 });
  private nextId = 1;

  constructor(
    readonly url: string,
    private readonly timeoutMs = 5000,
  ) {}

  call<T = unknown>(method: string, params: unknown[] = []): Promise<T> {
    const body = JSON.stringify({ jsonrpc: "2.0", method, params, id: this.nextId++ });
    return new Promise<T>((resolve, reject) => {
      const req = request(
        this.url,
        { method: "POST", agent: this.agent, timeout: this.timeoutMs, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let parsed: { result?: T; error?: { code?: number; message?: string } };
            try {
              parsed = JSON.parse(text) as typeof parsed;
            } catch {
              return reject(new RpcError(`${method}: HTTP ${res.statusCode}, not JSON: ${text.slice(0, 200)}`));
            }
            if (parsed.error) return reject(new RpcError(`${method}: ${parsed.error.message ?? "error"}`, parsed.error.code));
            resolve(parsed.result as T);
          });
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new RpcError(`${method}: no answer from ${this.url} within ${this.timeoutMs} ms`, undefined, false)));
      req.on("error", reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
