import { EventEmitter } from "node:events";

/** What changed, emitted only after the transaction that changed it has committed. */
export interface Change {
  accountSid: string;
  /** Internal trunk id; the SIP edge projection keys on it. */
  trunkId: number;
  kind: "trunk" | "phone_number" | "whitelisted_ip" | "destination" | "credential" | "setting";
  action: "created" | "updated" | "deleted";
}

/**
 * The seam between the control plane and whatever mirrors the model elsewhere (the SIP edge
 * reloader). Listeners run after the response is decided and must not throw into the request.
 */
export class ChangeFeed {
  private readonly emitter = new EventEmitter();

  publish(changes: Change[]): void {
    if (changes.length === 0) return;
    try {
      this.emitter.emit("changes", changes);
    } catch {
      // A failing listener must never turn a committed write into an error response.
    }
  }

  subscribe(listener: (changes: Change[]) => void): () => void {
    this.emitter.on("changes", listener);
    return () => this.emitter.off("changes", listener);
  }
}
