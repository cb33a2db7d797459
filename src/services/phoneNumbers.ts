import { ConflictError, NotFoundError, ValidationError } from "../domain/errors.js";
import { isE164, isNumberMode } from "../domain/rules.js";
import { nowIso } from "../domain/time.js";
import type { NumberMode, Page, PhoneNumber } from "../domain/types.js";
import { isUniqueViolation } from "../store/errors.js";
import { mapPhoneNumber, mapPhoneNumbersJson } from "../store/mappers.js";
import { phoneNumbersRepo } from "../store/repositories/phoneNumbers.js";
import type { ServiceContext } from "./context.js";
import { requireTrunk, trunkNotFound, whileTrunkExists } from "./trunks.js";

export const E164_MESSAGE = "phone_number must be in E.164 format (e.g., +919876543210)";
export const MODE_MESSAGE = "mode must be one of: pstn, flow";

function checkNumber(number: string, mode: string | null): void {
  if (!isE164(number)) throw ValidationError.of("phone_number", E164_MESSAGE);
  if (mode !== null && !isNumberMode(mode)) throw ValidationError.of("mode", MODE_MESSAGE);
}

function numberNotFound(id: string): NotFoundError {
  return new NotFoundError("phone_number", id, `Phone number '${id}' does not exist`);
}

export class PhoneNumberService {
  constructor(private readonly ctx: ServiceContext) {}

  /**
   * Maps a number to a trunk; a number maps to one trunk in the whole system. One statement: the
   * insert finds the trunk itself (no row back: not this account's trunk, the 404 a lookup gave).
   */
  async map(accountSid: string, trunkSid: string, number: string, mode: NumberMode | null): Promise<PhoneNumber> {
    checkNumber(number, mode);
    let row;
    try {
      row = await whileTrunkExists({ sid: trunkSid }, () => phoneNumbersRepo.insertInTrunk(this.ctx.store.db, accountSid, trunkSid, number, mode, nowIso()));
    } catch (error) {
      // Same answer whoever holds it: never reveal another account's mapping.
      if (isUniqueViolation(error)) throw new ConflictError("phone_number", `Phone number '${number}' already exists`);
      throw error;
    }
    if (!row) throw trunkNotFound({ sid: trunkSid });
    this.ctx.feed.publish([{ accountSid, trunkId: row.trunk_id, kind: "phone_number", action: "created" }]);
    // The trunk matched `sid = trunkSid` exactly: its sid is the one asked for.
    return mapPhoneNumber(row, trunkSid);
  }

  /** One query: the trunk (404 when not this account's) with the page. */
  async list(accountSid: string, trunkSid: string, offset: number, limit: number): Promise<Page<PhoneNumber>> {
    const row = await phoneNumbersRepo.pageWithTrunk(this.ctx.store.db, accountSid, trunkSid, offset, limit);
    if (!row) throw trunkNotFound({ sid: trunkSid });
    const items = mapPhoneNumbersJson(row.numbers, row.sid);
    return { items: items.slice(0, limit), hasMore: items.length > limit };
  }

  /**
   * Changes the mode; `number` must be the mapped number (the Exotel PUT repeats it). `id` is the
   * mapping's id, or `{ ref }` for a reference that names no id (the mapping of `number` here).
   */
  async updateMode(accountSid: string, trunkSid: string, id: number | { ref: string }, number: string, mode: NumberMode): Promise<PhoneNumber> {
    checkNumber(number, mode);
    const db = this.ctx.store.db;
    const trunk = await requireTrunk(db, accountSid, { sid: trunkSid });
    const ref = typeof id === "number" ? String(id) : id.ref;
    const existing = typeof id === "number" ? await phoneNumbersRepo.findInTrunk(db, trunk.id, id) : await phoneNumbersRepo.findNumberInTrunk(db, trunk.id, number);
    if (!existing) throw numberNotFound(ref);
    if (existing.number !== number) throw ValidationError.of("phone_number", `phone_number '${number}' does not match the number of mapping '${ref}'`);
    const row = await phoneNumbersRepo.update(db, existing.id, mode, nowIso());
    this.ctx.feed.publish([{ accountSid, trunkId: trunk.id, kind: "phone_number", action: "updated" }]);
    return mapPhoneNumber(row, trunk.sid);
  }

  async remove(accountSid: string, trunkSid: string, id: number): Promise<PhoneNumber> {
    const db = this.ctx.store.db;
    const trunk = await requireTrunk(db, accountSid, { sid: trunkSid });
    const existing = await phoneNumbersRepo.findInTrunk(db, trunk.id, id);
    if (!existing) throw numberNotFound(String(id));
    await phoneNumbersRepo.delete(db, id);
    this.ctx.feed.publish([{ accountSid, trunkId: trunk.id, kind: "phone_number", action: "deleted" }]);
    return mapPhoneNumber(existing, trunk.sid);
  }

  /** Where a number of this account is mapped (Exotel `trunk-maps`). */
  async lookup(accountSid: string, number: string): Promise<PhoneNumber> {
    if (!isE164(number)) throw ValidationError.of("exophone", "exophone must be in E.164 format (e.g., +919876543210)");
    const row = await phoneNumbersRepo.findInAccount(this.ctx.store.db, accountSid, number);
    if (!row) throw new NotFoundError("phone_number", number, `Phone number '${number}' is not mapped to a trunk`);
    return mapPhoneNumber(row, row.trunk_sid);
  }
}
