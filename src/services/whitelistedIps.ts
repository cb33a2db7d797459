import { ConflictError, NotFoundError, ValidationError } from "../domain/errors.js";
import { isIPv4, isMask, MAX_TEXT } from "../domain/rules.js";
import { nowIso } from "../domain/time.js";
import type { Page, WhitelistedIp } from "../domain/types.js";
import { isUniqueViolation } from "../store/errors.js";
import { mapAclJson, mapWhitelistedIp, newAclRow } from "../store/mappers.js";
import { childrenOfTrunk } from "../store/repositories/childrenOfTrunk.js";
import { whitelistedIpsRepo } from "../store/repositories/whitelistedIps.js";
import { LIMITS, type ServiceContext } from "./context.js";
import { requireTrunk, trunkNotFound, whileTrunkExists } from "./trunks.js";

export const IP_MESSAGE = "ip must be a valid IPv4 address";
export const MASK_MESSAGE = "mask must be an integer between 1 and 32";

function checkEntry(ip: string, mask: number): void {
  if (!isIPv4(ip)) throw ValidationError.of("ip", IP_MESSAGE);
  if (!isMask(mask)) throw ValidationError.of("mask", MASK_MESSAGE);
}

function duplicate(ip: string, mask: number): ConflictError {
  return new ConflictError("ip", `Whitelisted IP '${ip}/${mask}' already exists on this trunk`);
}

function entryNotFound(id: number): NotFoundError {
  return new NotFoundError("whitelisted_ip", String(id), `Whitelisted IP '${id}' does not exist`);
}

export class WhitelistedIpService {
  constructor(private readonly ctx: ServiceContext) {}

  async add(accountSid: string, trunkSid: string, ip: string, mask: number, friendlyName: string | null = null): Promise<WhitelistedIp> {
    checkEntry(ip, mask);
    if (friendlyName !== null && friendlyName.length > MAX_TEXT) throw ValidationError.of("friendly_name", `friendly_name must be at most ${MAX_TEXT} characters`);
    const db = this.ctx.store.db;
    const trunk = await requireTrunk(db, accountSid, { sid: trunkSid });
    if ((await whitelistedIpsRepo.countOfTrunk(db, trunk.id)) >= LIMITS.aclEntriesPerTrunk) {
      throw ValidationError.of("ip", `A trunk may have at most ${LIMITS.aclEntriesPerTrunk} whitelisted IPs`);
    }
    const now = nowIso();
    try {
      const row = await whileTrunkExists({ sid: trunkSid }, () => whitelistedIpsRepo.insert(db, { trunk_id: trunk.id, ...newAclRow({ ip, mask, friendlyName }, now) }));
      this.ctx.feed.publish([{ accountSid, trunkId: trunk.id, kind: "whitelisted_ip", action: "created" }]);
      return mapWhitelistedIp(row, trunk.sid);
    } catch (error) {
      if (isUniqueViolation(error)) throw duplicate(ip, mask);
      throw error;
    }
  }

  async list(accountSid: string, trunkSid: string, offset: number, limit: number): Promise<Page<WhitelistedIp>> {
    const row = await childrenOfTrunk(this.ctx.store.db, "acl", accountSid, trunkSid, offset, limit);
    if (!row) throw trunkNotFound({ sid: trunkSid });
    const items = mapAclJson(row.items, row.sid);
    return { items: items.slice(0, limit), hasMore: items.length > limit };
  }

  async update(accountSid: string, trunkSid: string, id: number, ip: string, mask: number): Promise<WhitelistedIp> {
    checkEntry(ip, mask);
    const db = this.ctx.store.db;
    const trunk = await requireTrunk(db, accountSid, { sid: trunkSid });
    if (!(await whitelistedIpsRepo.findInTrunk(db, trunk.id, id))) throw entryNotFound(id);
    try {
      const row = await whitelistedIpsRepo.update(db, id, ip, mask, nowIso());
      this.ctx.feed.publish([{ accountSid, trunkId: trunk.id, kind: "whitelisted_ip", action: "updated" }]);
      return mapWhitelistedIp(row, trunk.sid);
    } catch (error) {
      if (isUniqueViolation(error)) throw duplicate(ip, mask);
      throw error;
    }
  }

  async remove(accountSid: string, trunkSid: string, id: number): Promise<WhitelistedIp> {
    const db = this.ctx.store.db;
    const trunk = await requireTrunk(db, accountSid, { sid: trunkSid });
    const existing = await whitelistedIpsRepo.findInTrunk(db, trunk.id, id);
    if (!existing) throw entryNotFound(id);
    await whitelistedIpsRepo.delete(db, id);
    this.ctx.feed.publish([{ accountSid, trunkId: trunk.id, kind: "whitelisted_ip", action: "deleted" }]);
    return mapWhitelistedIp(existing, trunk.sid);
  }
}
