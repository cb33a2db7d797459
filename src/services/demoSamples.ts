import { ConflictError } from "../domain/errors.js";
import { trunksRepo } from "../store/repositories/trunks.js";
import type { Services } from "./index.js";

/**
 * The sample trunks the Exotel reference's examples name (specs/exotel-sip-trunking-v2.md,
 * "Sample Data" and the three end-to-end examples), so each of its curl lines runs as written
 * against a demo server. Their names are not the reference's (`outbound_trunk`, ...): its create
 * examples must still create those. Their credential is the reference's sample one.
 */
export const DEMO_SAMPLE_TRUNKS = [
  { sid: "trmum1a2b3c4d5e6f7890123456", name: "sample_outbound" },
  { sid: "trmum2b3c4d5e6f7890123457", name: "sample_inbound" },
  { sid: "trmum3c4d5e6f7890123458", name: "sample_streamkit" },
] as const;
export const DEMO_SAMPLE_PASSWORD = "Xk9mP2nQ4rS6tU8v";

/**
 * Creates each sample trunk that does not exist, on every start in demo mode: a sample deleted
 * (the reference's own last example deletes one) is back on the next start; one that exists is
 * left exactly as the user made it (numbers, IPs, destinations, renames). A sample whose name the
 * user has since given another trunk is skipped.
 */
export async function ensureDemoSamples(services: Services, accountSid: string): Promise<string[]> {
  const created: string[] = [];
  const db = services.ctx.store.db;
  for (const sample of DEMO_SAMPLE_TRUNKS) {
    if (await trunksRepo.findBySid(db, accountSid, sample.sid)) continue;
    try {
      await services.trunks.create(accountSid, { name: sample.name, withTrunkCredential: true, fixed: { sid: sample.sid, trunkPassword: DEMO_SAMPLE_PASSWORD } });
      created.push(sample.sid);
    } catch (error) {
      // The name is taken, or another process created the sample at the same moment.
      if (!(error instanceof ConflictError)) throw error;
    }
  }
  return created;
}
