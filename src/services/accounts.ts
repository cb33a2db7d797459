import { safeEqualHex, sha256Hex } from "../crypto/digest.js";
import { ConflictError, NotFoundError, ValidationError } from "../domain/errors.js";
import { newApiKey, newApiToken } from "../domain/ids.js";
import { nowIso } from "../domain/time.js";
import type { Account } from "../domain/types.js";
import { isUniqueViolation } from "../store/errors.js";
import { accountCredentialsRow, accountUpdateRow, mapAccount, newAccountRow } from "../store/mappers.js";
import { notifyAccountsChanged } from "../store/repositories/accountChanges.js";
import { accountsRepo } from "../store/repositories/accounts.js";
import { AuthCache } from "./authCache.js";
import type { ServiceContext } from "./context.js";

const SID = /^[A-Za-z0-9_-]{1,64}$/;
const SECRET = /^[\x21-\x7e]{8,128}$/;
/** Printable text, no control characters (and so no NUL, which PostgreSQL text refuses). */
const NAME = /^[^\p{Cc}]{1,100}$/u;

/** An account as the operator listing shows it. */
export type AccountWithCounts = Account & { sipTrunkCount: number };

export interface IssuedAccount {
  account: Account;
  apiKey: string;
  /** Shown once: only its hash is stored. */
  apiToken: string;
}

export class AccountService {
  /**
   * See AuthCache. Dropped whenever the store says accounts may have changed in another process
   * (ctx.accountChanges), so a rotated token stops working on the next request; the TTL is only a
   * backstop. Without a working watch nothing is cached.
   */
  private readonly authCache = new AuthCache();

  constructor(private readonly ctx: ServiceContext) {}

  /** The cache, when it can be trusted for this request; one cheap check, no query. */
  private cache(): AuthCache | undefined {
    const watch = this.ctx.accountChanges;
    if (!watch?.live) return undefined;
    if (watch.changed()) this.authCache.clear();
    return this.authCache;
  }

  /** Writes new credentials and tells the other processes, in one transaction. */
  private async writeCredentials(sid: string, change: { apiKey?: string; tokenHash: string }, now = nowIso()): Promise<void> {
    const set = accountCredentialsRow(change, now);
    await this.ctx.store.db.transaction().execute(async (trx) => {
      await accountsRepo.update(trx, sid, set);
      await notifyAccountsChanged(trx, this.ctx.store);
    });
    this.authCache.forget(sid);
  }

  async create(input: { sid: string; name?: string; operator?: boolean; apiKey?: string; apiToken?: string }): Promise<IssuedAccount> {
    const sid = input.sid;
    if (input.name !== undefined && !NAME.test(input.name)) throw ValidationError.of("name", "name must be 1 to 100 printable characters");
    if (!SID.test(sid)) throw ValidationError.of("sid", "sid must be 1 to 64 letters, digits, '_' or '-'");
    if (input.apiKey !== undefined && !SECRET.test(input.apiKey)) throw ValidationError.of("api_key", "api key must be 8 to 128 printable characters");
    if (input.apiToken !== undefined && !SECRET.test(input.apiToken)) throw ValidationError.of("api_token", "api token must be 8 to 128 printable characters");
    const apiKey = input.apiKey ?? newApiKey();
    const apiToken = input.apiToken ?? newApiToken();
    const now = nowIso();
    const row = newAccountRow({ sid, name: input.name ?? null, operator: input.operator ?? false, apiKey, tokenHash: sha256Hex(apiToken) }, now);
    try {
      await accountsRepo.insert(this.ctx.store.db, row);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError("sid", `Account '${sid}', its API key or its token already exists`);
      throw error;
    }
    return { account: mapAccount(row), apiKey, apiToken };
  }

  async exists(sid: string): Promise<boolean> {
    return SID.test(sid) && (await accountsRepo.findBySid(this.ctx.store.db, sid)) !== undefined;
  }

  /** One account, or NotFoundError. */
  async get(sid: string): Promise<Account> {
    const row = SID.test(sid) ? await accountsRepo.findBySid(this.ctx.store.db, sid) : undefined;
    if (!row) throw new NotFoundError("account", sid, `Account '${sid}' does not exist`);
    return mapAccount(row);
  }

  /**
   * Names an account or makes it an operator (or no longer one). Other processes are told in the
   * same transaction: their cached logins carry the flag, and must not keep an old one.
   */
  async update(sid: string, change: { name?: string | null; operator?: boolean }): Promise<Account> {
    if (change.name !== undefined && change.name !== null && !NAME.test(change.name)) throw ValidationError.of("name", "name must be 1 to 100 printable characters");
    const set = accountUpdateRow(change, nowIso());
    const row = await this.ctx.store.db.transaction().execute(async (trx) => {
      const updated = SID.test(sid) && Number((await accountsRepo.update(trx, sid, set)).numUpdatedRows) > 0;
      if (!updated) return undefined;
      await notifyAccountsChanged(trx, this.ctx.store);
      return accountsRepo.findBySid(trx, sid);
    });
    if (!row) throw new NotFoundError("account", sid, `Account '${sid}' does not exist`);
    this.authCache.forget(sid);
    return mapAccount(row);
  }

  /**
   * A page of accounts in sid order with each one's trunk count (two queries): `after`/`before`
   * a sid, `limit` of them, and whether there are more beyond each end of the page.
   */
  async page(limit: number, cursor: { after?: string; before?: string } = {}): Promise<{ items: AccountWithCounts[]; hasPrev: boolean; hasNext: boolean }> {
    const db = this.ctx.store.db;
    const rows = await accountsRepo.page(db, limit + 1, cursor);
    const more = rows.length > limit;
    const page = rows.slice(0, limit);
    if (cursor.before !== undefined) page.reverse();
    const counts = await accountsRepo.trunkCounts(db, page.map((r) => r.sid));
    const items = page.map((r) => ({ ...mapAccount(r), sipTrunkCount: counts.get(r.sid) ?? 0 }));
    return cursor.before !== undefined ? { items, hasPrev: more, hasNext: true } : { items, hasPrev: cursor.after !== undefined, hasNext: more };
  }

  /**
   * Deletes the account row and its API credentials, telling the other processes in the same
   * transaction so a running server refuses its key on the next request. Its trunks are the
   * caller's to delete first (through the trunk service, so edges drop them).
   */
  async remove(sid: string): Promise<void> {
    await this.ctx.store.db.transaction().execute(async (trx) => {
      await accountsRepo.delete(trx, sid);
      await notifyAccountsChanged(trx, this.ctx.store);
    });
    this.authCache.forget(sid);
  }

  /** Makes sure an account exists with exactly these credentials (the demo account). */
  async ensure(sid: string, apiKey: string, apiToken: string): Promise<void> {
    const existing = await accountsRepo.findBySid(this.ctx.store.db, sid);
    if (!existing) {
      await this.create({ sid, apiKey, apiToken }).catch((error: unknown) => {
        if (!(error instanceof ConflictError)) throw error; // another process got there first
      });
      return;
    }
    if (existing.api_key !== apiKey || existing.token_hash !== sha256Hex(apiToken)) {
      await this.writeCredentials(sid, { apiKey, tokenHash: sha256Hex(apiToken) });
    }
  }

  async list(limit = 1000, afterSid?: string): Promise<Account[]> {
    return (await accountsRepo.list(this.ctx.store.db, limit, afterSid)).map(mapAccount);
  }

  async rotateToken(sid: string): Promise<IssuedAccount> {
    // A sid no account can have is not looked up (PostgreSQL refuses a NUL in text).
    const row = SID.test(sid) ? await accountsRepo.findBySid(this.ctx.store.db, sid) : undefined;
    if (!row) throw new NotFoundError("account", sid, `Account '${sid}' does not exist`);
    const apiToken = newApiToken();
    const now = nowIso();
    await this.writeCredentials(sid, { tokenHash: sha256Hex(apiToken) }, now);
    return { account: mapAccount({ ...row, updated_at: now }), apiKey: row.api_key, apiToken };
  }

  /** HTTP Basic: api key + token; the token is compared by hash in constant time. */
  async authenticateBasic(apiKey: string, apiToken: string): Promise<Account | undefined> {
    // Keys and tokens are issued in SECRET's alphabet: anything else (a NUL, which PostgreSQL
    // cannot even compare) is no account's, without a query.
    if (!SECRET.test(apiKey) || !SECRET.test(apiToken)) return undefined;
    const cache = this.cache();
    const key = AuthCache.key("basic", apiKey, apiToken);
    const cached = cache?.get(key);
    if (cached) return cached;
    const row = await accountsRepo.findByApiKey(this.ctx.store.db, apiKey);
    if (!row) return undefined;
    if (!safeEqualHex(row.token_hash, sha256Hex(apiToken))) return undefined;
    const account = mapAccount(row);
    cache?.set(key, account);
    return account;
  }

  /** Bearer: the token alone identifies the account (its hash is unique). */
  async authenticateToken(apiToken: string): Promise<Account | undefined> {
    if (!SECRET.test(apiToken)) return undefined;
    const cache = this.cache();
    const key = AuthCache.key("bearer", apiToken);
    const cached = cache?.get(key);
    if (cached) return cached;
    const row = await accountsRepo.findByTokenHash(this.ctx.store.db, sha256Hex(apiToken));
    if (!row) return undefined;
    const account = mapAccount(row);
    cache?.set(key, account);
    return account;
  }
}
