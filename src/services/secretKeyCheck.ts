import type { SecretBox } from "../crypto/secretBox.js";
import type { Store } from "../store/db.js";
import { credentialsRepo } from "../store/repositories/credentials.js";

/** Where the secret key came from, to name it when it is the wrong one. */
export interface SecretKeySource {
  /** TRUNKLINE_SECRET_KEY was set. */
  fromEnv: boolean;
  /** Otherwise the key file (TRUNKLINE_SECRET_KEY_FILE or its default). */
  keyFile: string;
}

/**
 * Refuses a key that does not open the SIP passwords already sealed in the store: started with
 * another key, the server would run and then answer 500 on the first credentials read. Every
 * sealed value was sealed with one key (a store with none takes any), so one row tells.
 */
export async function checkSecretKey(store: Store, secrets: SecretBox, source: SecretKeySource): Promise<void> {
  const sealed = await credentialsRepo.anySealed(store.db);
  if (sealed === undefined) return;
  try {
    secrets.open(sealed);
  } catch {
    const which = source.fromEnv
      ? "TRUNKLINE_SECRET_KEY is not the key"
      : `the key in ${source.keyFile} (TRUNKLINE_SECRET_KEY_FILE; TRUNKLINE_SECRET_KEY is unset) is not the key`;
    throw new Error(
      `${which} this store's SIP passwords were sealed with: start with the store's key (TRUNKLINE_SECRET_KEY, or TRUNKLINE_SECRET_KEY_FILE pointing at its file)`,
    );
  }
}
