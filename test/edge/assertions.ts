import assert from "node:assert/strict";
import type { CallResult } from "./sipp.js";

/** Fails with sipp's error log when the call did not go as its scenario expects. */
export function expectCall(result: CallResult, message: string): void {
  assert.ok(result.ok, `${message}\n${result.detail}`);
}

/** The user part of an INVITE's Request-URI, and a header's value, as a UAS received them. */
export const ruriUser = (invite: string | undefined) => (invite === undefined ? undefined : /^INVITE sip:([^@;> ]+)@/.exec(invite)?.[1]);
export const header = (invite: string, name: string) => new RegExp(`^${name}:\\s*(.*)$`, "mi").exec(invite)?.[1];
