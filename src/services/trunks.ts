import { ConflictError, NotFoundError, ValidationError, type ValidationIssue } from "../domain/errors.js";
import { newClientPassword, newClientUsername, newTrunkPassword, newTrunkSid, newUuid } from "../domain/ids.js";
import { nowIso } from "../domain/time.js";
import type { Page, Trunk, TrunkDetail } from "../domain/types.js";
import { isForeignKeyViolation, isUniqueViolation, uniqueViolationTable } from "../store/errors.js";
import type { Executor } from "../store/executor.js";
import { destinationUpdateRow, mapTrunk, mapTrunkDetail, newAclRow, newDestinationRow, newTrunkRows, trunkUpdateRow, type StoredCredential, type TrunkDetailRow } from "../store/mappers.js";
import { credentialsRepo } from "../store/repositories/credentials.js";
import { destinationsRepo } from "../store/repositories/destinations.js";
import { insertNewTrunk, type NewTrunkAggregate } from "../store/repositories/newTrunk.js";
import { trunkSettingsRepo } from "../store/repositories/trunkSettings.js";
import { CALLER_ID_SETTING, trunksRepo } from "../store/repositories/trunks.js";
import { whitelistedIpsRepo } from "../store/repositories/whitelistedIps.js";
import type { Change } from "./changeFeed.js";
import type { ServiceContext } from "./context.js";
import { credentialConflict, insertCredential, storedCredential } from "./credentialRows.js";
import type { NewTrunk, TrunkPatch } from "./trunkInput.js";
import { validateTrunkPatch } from "./trunkValidation.js";

/** How a dialect names a trunk: Exotel by sid, the carrier API by UUID. */
export type TrunkRef = { sid: string } | { uuid: string };

const DEFAULT_SIP_PORT = 5060;

/** The destination an `outbound_host` makes: UDP, first priority, weight 1. */
function primaryDestination(host: { host: string; port?: number }) {
  return { host: host.host, port: host.port ?? DEFAULT_SIP_PORT, transport: "udp" as const, priority: 0, weight: 1 };
}

function refText(ref: TrunkRef): string {
  return "sid" in ref ? ref.sid : ref.uuid;
}

export function trunkNotFound(ref: TrunkRef | string): NotFoundError {
  const text = typeof ref === "string" ? ref : refText(ref);
  return new NotFoundError("trunk", text, `Trunk '${text}' does not exist`);
}

/**
 * Writes a child of a trunk looked up before: a trunk deleted meanwhile by another request is its
 * 404, not a foreign-key 500 (PostgreSQL checks the key at the insert's end, against the delete
 * committed since; SQLite runs a statement alone and never meets one).
 */
export async function whileTrunkExists<T>(ref: TrunkRef, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isForeignKeyViolation(error)) throw trunkNotFound(ref);
    throw error;
  }
}

/** Finds a trunk of this account or throws NotFound: the only way services reach a trunk. */
export async function requireTrunk(db: Executor, accountSid: string, ref: TrunkRef): Promise<Trunk> {
  const row = "sid" in ref ? await trunksRepo.findBySid(db, accountSid, ref.sid) : await trunksRepo.findByUuid(db, accountSid, ref.uuid);
  if (!row) throw trunkNotFound(ref);
  return mapTrunk(row);
}

function nameConflict(name: string): ConflictError {
  return new ConflictError("name", `Trunk with name '${name}' already exists`);
}

function outboundHostConflict(): ConflictError {
  return new ConflictError("outbound_host", "outbound_host is already a destination of this trunk");
}

/**
 * The conflict a failed create reports, undefined for any other error: a credential's username
 * (unique across the system) as user_name, a destination as outbound_host, anything else (the
 * trunk's name, or its sid or uuid) as the name, as when each was a statement of its own. A
 * PostgreSQL error names the username ("Key (username)=(...) already exists"); SQLite's does not,
 * and then the trunk credential's (named after the sid) is the one a fixed sid can repeat.
 */
function createConflict(error: unknown, name: string, aggregate: NewTrunkAggregate): ConflictError | undefined {
  const table = uniqueViolationTable(error);
  if (table === undefined) return isUniqueViolation(error) ? nameConflict(name) : undefined;
  if (table === "credentials") {
    const detail = String((error as { detail?: unknown }).detail ?? "");
    const username = aggregate.credentials.find((c) => detail.includes(`=(${c.username})`))?.username ?? aggregate.credentials[0]?.username ?? "";
    return credentialConflict(username);
  }
  if (table === "destinations") return outboundHostConflict();
  return nameConflict(name);
}

export class TrunkService {
  constructor(private readonly ctx: ServiceContext) {}

  private get db() {
    return this.ctx.store.db;
  }

  /** Every problem with a create or patch, without touching the store (dialects merge these with their own). */
  validate(patch: TrunkPatch): ValidationIssue[] {
    return validateTrunkPatch(patch, this.ctx.regions);
  }

  /**
   * The trunk and its children are written, and its details read, by one repository call
   * (insertNewTrunk: one statement on PostgreSQL). No name check first: the (account_sid, name)
   * unique constraint answers it in the insert, told apart from a credential's by its table.
   */
  async create(accountSid: string, input: NewTrunk): Promise<TrunkDetail> {
    const issues = validateTrunkPatch(input, this.ctx.regions);
    if (issues.length) throw new ValidationError(issues);
    const aggregate = this.newTrunkAggregate(accountSid, input);
    let detail: TrunkDetail;
    try {
      detail = this.mapDetail(await insertNewTrunk(this.db, aggregate));
    } catch (error) {
      throw createConflict(error, input.name, aggregate) ?? error;
    }
    this.publish(accountSid, detail.id, "created");
    return detail;
  }

  /** What create writes, as applyChildren would write it on a new trunk (ACL and prefixes without repeats). */
  private newTrunkAggregate(accountSid: string, input: NewTrunk): NewTrunkAggregate {
    const region = this.ctx.regions.get(input.region ?? this.ctx.regions.defaultAlias) ?? this.ctx.regions.default;
    const now = nowIso();
    const sid = input.fixed?.sid ?? newTrunkSid(region.sidCode);
    const credentials: StoredCredential[] = [];
    if (input.withTrunkCredential) credentials.push(storedCredential(this.ctx, sid, input.fixed?.trunkPassword ?? newTrunkPassword()));
    if (input.authenticationMode === "client_credentials") credentials.push(storedCredential(this.ctx, newClientUsername(), newClientPassword()));
    const acl = new Map((input.acl ?? []).map((e) => [`${e.ip}/${e.mask}`, e]));
    const host = input.outboundHost;
    return newTrunkRows({
      trunk: {
        sid,
        uuid: newUuid(),
        accountSid,
        name: input.name,
        nsoCode: input.nsoCode ?? "ANY-ANY",
        domainName: input.domainName ?? `${accountSid}${this.ctx.sipDomainSuffix}`,
        authType: input.authType ?? "IP-WHITELIST",
        status: "active",
        region: region.alias,
        authenticationMode: input.authenticationMode ?? "ip_address",
        maxChannels: input.maxChannels ?? null,
        inboundCountry: input.inboundCountry ?? null,
        outboundDialStringPrefix: input.outboundDialStringPrefix ?? null,
        outboundNationalDialing: input.outboundNationalDialing ?? false,
        outboundPlusPrefix: input.outboundPlusPrefix ?? false,
        createdAt: now,
        updatedAt: now,
      },
      credentials,
      routePrefixes: [...new Set(input.routePrefixes ?? [])],
      acl: [...acl.values()],
      destinations: host ? [primaryDestination(host)] : [],
      settings: input.callerId != null ? [{ name: CALLER_ID_SETTING, value: input.callerId }] : [],
    });
  }

  async get(accountSid: string, ref: TrunkRef): Promise<Trunk> {
    return requireTrunk(this.db, accountSid, ref);
  }

  /** One query: the trunk and its children together (trunksRepo.withDetail). */
  async getDetail(accountSid: string, ref: TrunkRef): Promise<TrunkDetail> {
    const row = "uuid" in ref ? await trunksRepo.findDetailByUuid(this.db, accountSid, ref.uuid) : await this.detailRowBySid(accountSid, ref.sid);
    if (!row) throw trunkNotFound(ref);
    return this.mapDetail(row);
  }

  /** The trunk named exactly `name` (names are unique per account), with its details; undefined if none. */
  async findDetailByName(accountSid: string, name: string): Promise<TrunkDetail | undefined> {
    const row = await trunksRepo.findDetailByName(this.db, accountSid, name);
    return row ? this.mapDetail(row) : undefined;
  }

  private async detailRowBySid(accountSid: string, sid: string): Promise<TrunkDetailRow | undefined> {
    const row = await trunksRepo.findBySid(this.db, accountSid, sid);
    return row ? trunksRepo.findDetailById(this.db, accountSid, row.id) : undefined;
  }

  /** `namePrefix`: only trunks whose name starts with it (case-sensitive), in name order. */
  async listByOffset(accountSid: string, offset: number, limit: number, sid?: string, namePrefix?: string): Promise<Page<Trunk>> {
    const rows = await trunksRepo.listByOffset(this.db, accountSid, offset, limit, sid, namePrefix);
    return { items: rows.slice(0, limit).map(mapTrunk), hasMore: rows.length > limit };
  }

  /**
   * Newest first. `after`/`before` are trunk UUIDs of this account (an unknown one is a
   * validation error on `page[after]`/`page[before]`). One query per page whatever its size (the
   * cursor is resolved inside it); a second one only when the page comes back empty, to tell an
   * unknown cursor from the end of the list. A page after a cursor always has newer trunks (the
   * cursor's own, seen by the same statement), a page before one always older.
   *
   * For the carrier list only: `credentials` is filled for `client_credentials` trunks alone (the
   * only ones whose credential the list shows; reading and opening the others cost a tenth of the
   * page). A caller needing every trunk's credentials reads the trunk's detail.
   */
  async listByKeyset(accountSid: string, size: number, cursor: { after?: string; before?: string }): Promise<{ items: TrunkDetail[]; hasNewer: boolean; hasOlder: boolean }> {
    const rows = await trunksRepo.keysetDetails(this.db, accountSid, size, cursor);
    if (rows.length === 0) {
      const [field, uuid] = cursor.before !== undefined ? ["page[before]", cursor.before] : ["page[after]", cursor.after];
      if (uuid !== undefined && !(await trunksRepo.findByUuid(this.db, accountSid, uuid))) throw ValidationError.of(field, `${field} is not a trunk id of this account`);
    }
    const page = rows.slice(0, size);
    if (cursor.before !== undefined) return { items: page.reverse().map((r) => this.mapDetail(r)), hasNewer: rows.length > size, hasOlder: true };
    return { items: page.map((r) => this.mapDetail(r)), hasNewer: cursor.after !== undefined, hasOlder: rows.length > size };
  }

  async update(accountSid: string, ref: TrunkRef, patch: TrunkPatch): Promise<TrunkDetail> {
    const issues = validateTrunkPatch(patch, this.ctx.regions);
    if (issues.length) throw new ValidationError(issues);
    const now = nowIso();
    try {
      const id = await whileTrunkExists(ref, () => this.db.transaction().execute((trx) => this.applyUpdate(trx, accountSid, ref, patch, now)));
      this.publish(accountSid, id, "updated");
      return await this.detailById(accountSid, id, ref);
    } catch (error) {
      if (isUniqueViolation(error)) throw patch.name !== undefined ? nameConflict(patch.name) : outboundHostConflict();
      throw error;
    }
  }

  /** The update's writes, inside its transaction; the trunk's id. */
  private async applyUpdate(trx: Executor, accountSid: string, ref: TrunkRef, patch: TrunkPatch, now: string): Promise<number> {
    const trunk = await requireTrunk(trx, accountSid, ref);
    if (patch.name !== undefined && patch.name !== trunk.name && (await trunksRepo.nameTaken(trx, accountSid, patch.name, trunk.id))) {
      throw nameConflict(patch.name);
    }
    await trunksRepo.update(trx, trunk.id, trunkUpdateRow(patch, now));
    if (patch.authenticationMode !== undefined && patch.authenticationMode !== trunk.authenticationMode) {
      await this.switchAuthenticationMode(trx, trunk.id, patch.authenticationMode);
    }
    await this.applyChildren(trx, trunk.id, patch, now);
    return trunk.id;
  }

  /** Deletes the trunk and, in the same transaction, everything hanging off it. */
  async delete(accountSid: string, ref: TrunkRef): Promise<TrunkDetail> {
    const { detail } = await this.db.transaction().execute(async (trx) => {
      const trunk = await requireTrunk(trx, accountSid, ref);
      const row = await trunksRepo.findDetailById(trx, accountSid, trunk.id);
      if (!row) throw trunkNotFound(ref);
      await trunksRepo.delete(trx, trunk.id);
      return { detail: this.mapDetail(row) };
    });
    this.publish(accountSid, detail.id, "deleted");
    return detail;
  }

  private async switchAuthenticationMode(trx: Executor, trunkId: number, mode: TrunkPatch["authenticationMode"]): Promise<void> {
    if (mode === "ip_address") {
      await credentialsRepo.deleteAllOfTrunk(trx, trunkId);
      return;
    }
    const existing = await credentialsRepo.allOfTrunk(trx, trunkId);
    if (existing.length === 0) await insertCredential(trx, this.ctx, trunkId, newClientUsername(), newClientPassword());
  }

  /** Applies the child collections a patch carries (ACL, primary destination, caller id, prefixes). */
  private async applyChildren(trx: Executor, trunkId: number, patch: TrunkPatch, now: string): Promise<void> {
    if (patch.routePrefixes !== undefined) await trunksRepo.replaceRoutePrefixes(trx, trunkId, [...new Set(patch.routePrefixes)]);
    if (patch.acl !== undefined) await this.replaceAcl(trx, trunkId, patch.acl, now);
    if (patch.outboundHost !== undefined) await this.setOutboundHost(trx, trunkId, patch.outboundHost, now);
    if (patch.callerId !== undefined) {
      if (patch.callerId === null) await trunkSettingsRepo.delete(trx, trunkId, CALLER_ID_SETTING);
      else await trunkSettingsRepo.upsert(trx, trunkId, CALLER_ID_SETTING, patch.callerId, now);
    }
  }

  private async replaceAcl(trx: Executor, trunkId: number, wanted: { ip: string; mask: number }[], now: string): Promise<void> {
    const key = (e: { ip: string; mask: number }) => `${e.ip}/${e.mask}`;
    const current = await whitelistedIpsRepo.allOfTrunk(trx, trunkId);
    const wantedKeys = new Set(wanted.map(key));
    const currentKeys = new Set(current.map(key));
    for (const row of current) if (!wantedKeys.has(key(row))) await whitelistedIpsRepo.delete(trx, row.id);
    const added = new Set<string>();
    for (const e of wanted) {
      if (currentKeys.has(key(e)) || added.has(key(e))) continue;
      added.add(key(e));
      await whitelistedIpsRepo.insert(trx, { trunk_id: trunkId, ...newAclRow({ ip: e.ip, mask: e.mask, friendlyName: null }, now) });
    }
  }

  private async setOutboundHost(trx: Executor, trunkId: number, host: TrunkPatch["outboundHost"], now: string): Promise<void> {
    if (host === null || host === undefined) {
      await destinationsRepo.deleteAllOfTrunk(trx, trunkId);
      return;
    }
    const [primary] = await destinationsRepo.allOfTrunk(trx, trunkId);
    if (primary) {
      await destinationsRepo.update(trx, primary.id, destinationUpdateRow({ host: host.host, port: host.port ?? primary.port }, now));
      return;
    }
    await destinationsRepo.insert(trx, { trunk_id: trunkId, ...newDestinationRow(primaryDestination(host), now) });
  }

  /** Undefined (a delete came between): the 404 of the trunk as the caller named it, never its internal id. */
  private async detailById(accountSid: string, id: number, ref: TrunkRef): Promise<TrunkDetail> {
    const row = await trunksRepo.findDetailById(this.db, accountSid, id);
    if (!row) throw trunkNotFound(ref);
    return this.mapDetail(row);
  }

  private mapDetail(row: TrunkDetailRow): TrunkDetail {
    return mapTrunkDetail(row, (sealed) => this.ctx.secrets.open(sealed));
  }

  private publish(accountSid: string, trunkId: number, action: Change["action"]): void {
    this.ctx.feed.publish([{ accountSid, trunkId, kind: "trunk", action }]);
  }
}
