import { ConflictError, NotFoundError, ValidationError } from "../domain/errors.js";
import { isHost, isPort, isPriority, isWeight, TRANSPORTS } from "../domain/rules.js";
import { nowIso } from "../domain/time.js";
import type { Destination, Page, Transport } from "../domain/types.js";
import { isUniqueViolation } from "../store/errors.js";
import { destinationUpdateRow, mapDestination, mapDestinationsJson, newDestinationRow } from "../store/mappers.js";
import { childrenOfTrunk } from "../store/repositories/childrenOfTrunk.js";
import { destinationsRepo } from "../store/repositories/destinations.js";
import { eachItem, type ItemResult } from "./batch.js";
import { LIMITS, type ServiceContext } from "./context.js";
import { requireTrunk, trunkNotFound, whileTrunkExists } from "./trunks.js";

export interface DestinationInput {
  host: string;
  port: number;
  transport: Transport;
  priority?: number;
  weight?: number;
}

export const PRIORITY_MESSAGE = "priority must be an integer between 0 and 65535";
export const WEIGHT_MESSAGE = "weight must be an integer between 1 and 65535";

function checkDestination(d: DestinationInput): void {
  if (!isHost(d.host)) throw ValidationError.of("destination", "Destination is not a valid Ip or Fqdn");
  if (!isPort(d.port)) throw ValidationError.of("destination", "Destination port must be between 1 and 65535");
  if (!TRANSPORTS.includes(d.transport)) throw ValidationError.of("destination", "Destination transport must be tcp or tls");
  if (d.priority !== undefined && !isPriority(d.priority)) throw ValidationError.of("priority", PRIORITY_MESSAGE);
  if (d.weight !== undefined && !isWeight(d.weight)) throw ValidationError.of("weight", WEIGHT_MESSAGE);
}

function destinationNotFound(id: number): NotFoundError {
  return new NotFoundError("destination", String(id), `Destination URI '${id}' does not exist`);
}

export class DestinationService {
  constructor(private readonly ctx: ServiceContext) {}

  /**
   * Adds each destination on its own. Items the dialect already rejected arrive as errors and
   * keep their place in the results.
   */
  async addMany(accountSid: string, trunkSid: string, items: (DestinationInput | ValidationError)[]): Promise<ItemResult<Destination>[]> {
    const db = this.ctx.store.db;
    const trunk = await requireTrunk(db, accountSid, { sid: trunkSid });
    let count = await destinationsRepo.countOfTrunk(db, trunk.id);
    return eachItem(
      items,
      async (item) => {
        if (item instanceof ValidationError) throw item;
        checkDestination(item);
        if (count >= LIMITS.destinationsPerTrunk) throw ValidationError.of("destination", `A trunk may have at most ${LIMITS.destinationsPerTrunk} destination URIs`);
        const now = nowIso();
        try {
          const row = await whileTrunkExists({ sid: trunkSid }, () =>
            destinationsRepo.insert(db, {
              trunk_id: trunk.id,
              ...newDestinationRow({ host: item.host, port: item.port, transport: item.transport, priority: item.priority ?? 0, weight: item.weight ?? 1 }, now),
            }),
          );
          count++;
          return mapDestination(row, trunk.sid);
        } catch (error) {
          if (isUniqueViolation(error)) throw new ConflictError("destination", "Destination already exists on this trunk");
          throw error;
        }
      },
      () => this.ctx.feed.publish([{ accountSid, trunkId: trunk.id, kind: "destination", action: "created" }]),
    );
  }

  async list(accountSid: string, trunkSid: string, offset: number, limit: number): Promise<Page<Destination>> {
    const row = await childrenOfTrunk(this.ctx.store.db, "destinations", accountSid, trunkSid, offset, limit);
    if (!row) throw trunkNotFound({ sid: trunkSid });
    const items = mapDestinationsJson(row.items, row.sid);
    return { items: items.slice(0, limit), hasMore: items.length > limit };
  }

  async update(accountSid: string, trunkSid: string, id: number, patch: { priority?: number; weight?: number }): Promise<Destination> {
    if (patch.priority !== undefined && !isPriority(patch.priority)) throw ValidationError.of("priority", PRIORITY_MESSAGE);
    if (patch.weight !== undefined && !isWeight(patch.weight)) throw ValidationError.of("weight", WEIGHT_MESSAGE);
    const db = this.ctx.store.db;
    const trunk = await requireTrunk(db, accountSid, { sid: trunkSid });
    if (!(await destinationsRepo.findInTrunk(db, trunk.id, id))) throw destinationNotFound(id);
    const row = await destinationsRepo.update(db, id, destinationUpdateRow(patch, nowIso()));
    this.ctx.feed.publish([{ accountSid, trunkId: trunk.id, kind: "destination", action: "updated" }]);
    return mapDestination(row, trunk.sid);
  }

  async remove(accountSid: string, trunkSid: string, id: number): Promise<Destination> {
    const db = this.ctx.store.db;
    const trunk = await requireTrunk(db, accountSid, { sid: trunkSid });
    const existing = await destinationsRepo.findInTrunk(db, trunk.id, id);
    if (!existing) throw destinationNotFound(id);
    await destinationsRepo.delete(db, id);
    this.ctx.feed.publish([{ accountSid, trunkId: trunk.id, kind: "destination", action: "deleted" }]);
    return mapDestination(existing, trunk.sid);
  }
}
