import { NotFoundError, ValidationError } from "../domain/errors.js";
import { nowIso } from "../domain/time.js";
import type { Credential } from "../domain/types.js";
import { credentialUpdateRow, mapCredential, mapCredentialsJson } from "../store/mappers.js";
import { credentialsRepo } from "../store/repositories/credentials.js";
import { trunksRepo } from "../store/repositories/trunks.js";
import { LIMITS, type ServiceContext } from "./context.js";
import { insertCredential, storedCredential } from "./credentialRows.js";
import { requireTrunk, trunkNotFound, whileTrunkExists } from "./trunks.js";

export const USERNAME_MESSAGE = "user_name must be 3 to 64 characters: letters, digits, '.', '_' or '-'";
export const PASSWORD_MESSAGE = "password must be 12 to 64 printable characters without spaces, with at least one letter and one digit";
export const FRIENDLY_NAME_MESSAGE = "friendly_name must be at most 32 characters";

function checkPassword(password: string): void {
  const ok = /^[\x21-\x7e]{12,64}$/.test(password) && /[A-Za-z]/.test(password) && /\d/.test(password);
  if (!ok) throw ValidationError.of("password", PASSWORD_MESSAGE);
}
function checkFriendlyName(name: string | null | undefined): void {
  if (name != null && name.length > 32) throw ValidationError.of("friendly_name", FRIENDLY_NAME_MESSAGE);
}

function credentialNotFound(id: number): NotFoundError {
  return new NotFoundError("credential", String(id), `Credential '${id}' does not exist`);
}

export class CredentialService {
  constructor(private readonly ctx: ServiceContext) {}

  private readonly open = (sealed: string) => this.ctx.secrets.open(sealed);

  async create(accountSid: string, trunkSid: string, input: { username: string; password: string; friendlyName?: string | null }): Promise<Credential> {
    if (!/^[A-Za-z0-9._-]{3,64}$/.test(input.username)) throw ValidationError.of("user_name", USERNAME_MESSAGE);
    checkPassword(input.password);
    checkFriendlyName(input.friendlyName);
    const db = this.ctx.store.db;
    const trunk = await requireTrunk(db, accountSid, { sid: trunkSid });
    if ((await credentialsRepo.allOfTrunk(db, trunk.id)).length >= LIMITS.credentialsPerTrunk) {
      throw ValidationError.of("user_name", `A trunk may have at most ${LIMITS.credentialsPerTrunk} credentials`);
    }
    const row = await whileTrunkExists({ sid: trunkSid }, () => insertCredential(db, this.ctx, trunk.id, input.username, input.password, input.friendlyName ?? null));
    this.ctx.feed.publish([{ accountSid, trunkId: trunk.id, kind: "credential", action: "created" }]);
    return mapCredential(row, trunk.sid, this.open);
  }

  /** One query: the trunk (404 when not this account's) with its credentials. */
  async list(accountSid: string, trunkSid: string): Promise<Credential[]> {
    const row = await trunksRepo.findWithCredentials(this.ctx.store.db, accountSid, trunkSid);
    if (!row) throw trunkNotFound({ sid: trunkSid });
    return mapCredentialsJson(row.credentials, row.sid, this.open);
  }

  /** Rotation: a new password (HA1 recomputed) and/or a new friendly name. */
  async update(accountSid: string, trunkSid: string, id: number, patch: { password?: string; friendlyName?: string | null }): Promise<Credential> {
    if (patch.password !== undefined) checkPassword(patch.password);
    checkFriendlyName(patch.friendlyName);
    const db = this.ctx.store.db;
    const trunk = await requireTrunk(db, accountSid, { sid: trunkSid });
    const existing = await credentialsRepo.findInTrunk(db, trunk.id, id);
    if (!existing) throw credentialNotFound(id);
    // A new password: sealed again, with its HA1 (storedCredential); the friendly name as given.
    const sealed = patch.password !== undefined ? storedCredential(this.ctx, existing.username, patch.password) : {};
    const set = credentialUpdateRow({ ...sealed, friendlyName: patch.friendlyName }, nowIso());
    const row = await credentialsRepo.update(db, id, set);
    this.ctx.feed.publish([{ accountSid, trunkId: trunk.id, kind: "credential", action: "updated" }]);
    return mapCredential(row, trunk.sid, this.open);
  }

  async remove(accountSid: string, trunkSid: string, id: number): Promise<Credential> {
    const db = this.ctx.store.db;
    const trunk = await requireTrunk(db, accountSid, { sid: trunkSid });
    const existing = await credentialsRepo.findInTrunk(db, trunk.id, id);
    if (!existing) throw credentialNotFound(id);
    await credentialsRepo.delete(db, id);
    this.ctx.feed.publish([{ accountSid, trunkId: trunk.id, kind: "credential", action: "deleted" }]);
    return mapCredential(existing, trunk.sid, this.open);
  }
}
