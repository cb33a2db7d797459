import { sipHa1 } from "../crypto/digest.js";
import { ConflictError } from "../domain/errors.js";
import type { Executor } from "../store/executor.js";
import { isUniqueViolation } from "../store/errors.js";
import { credentialsRepo } from "../store/repositories/credentials.js";
import { newCredentialRow, type StoredCredential } from "../store/mappers.js";
import type { CredentialRow } from "../store/schema.js";
import type { ServiceContext } from "./context.js";
import { nowIso } from "../domain/time.js";

/** A credential as stored: the password sealed, with the HA1 the SIP edge needs beside it. */
export function storedCredential(ctx: ServiceContext, username: string, password: string, friendlyName: string | null = null): StoredCredential {
  return { username, passwordSealed: ctx.secrets.seal(password), ha1: sipHa1(username, ctx.sipRealm, password), realm: ctx.sipRealm, friendlyName };
}

/** Usernames are unique across the system (the SIP edge authenticates by username alone). */
export function credentialConflict(username: string): ConflictError {
  return new ConflictError("user_name", `Credential with user_name '${username}' already exists`);
}

/** Stores a credential sealed, with the HA1 the SIP edge needs beside it. */
export async function insertCredential(
  db: Executor,
  ctx: ServiceContext,
  trunkId: number,
  username: string,
  password: string,
  friendlyName: string | null = null,
): Promise<CredentialRow> {
  try {
    return await credentialsRepo.insert(db, { trunk_id: trunkId, ...newCredentialRow(storedCredential(ctx, username, password, friendlyName), nowIso()) });
  } catch (error) {
    if (isUniqueViolation(error)) throw credentialConflict(username);
    throw error;
  }
}
