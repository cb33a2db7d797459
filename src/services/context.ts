import type { SecretBox } from "../crypto/secretBox.js";
import type { RegionSet } from "../domain/regions.js";
import type { Store } from "../store/db.js";
import type { AccountChangeWatch } from "../store/repositories/accountChanges.js";
import type { ChangeFeed } from "./changeFeed.js";

export interface ServiceContext {
  store: Store;
  secrets: SecretBox;
  feed: ChangeFeed;
  regions: RegionSet;
  sipRealm: string;
  /** Default `domain_name` suffix, e.g. ".pstn.exotel.com". */
  sipDomainSuffix: string;
  /** Account changes made by other processes; without it authentications are not cached. */
  accountChanges?: AccountChangeWatch;
}

/** Upper bounds per trunk that keep every response and projection small. */
export const LIMITS = {
  aclEntriesPerTrunk: 256,
  destinationsPerTrunk: 32,
  credentialsPerTrunk: 16,
  routePrefixesPerTrunk: 256,
  batchItems: 100,
} as const;
