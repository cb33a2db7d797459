import { NotFoundError, ValidationError } from "../domain/errors.js";
import { SETTING_RULES } from "../domain/rules.js";
import { nowIso } from "../domain/time.js";
import type { TrunkSetting } from "../domain/types.js";
import { mapSettingsJson, mapTrunkSetting } from "../store/mappers.js";
import { childrenOfTrunk } from "../store/repositories/childrenOfTrunk.js";
import { trunkSettingsRepo } from "../store/repositories/trunkSettings.js";
import { eachItem, type ItemResult } from "./batch.js";
import type { ServiceContext } from "./context.js";
import { requireTrunk, trunkNotFound, whileTrunkExists } from "./trunks.js";

function checkSetting(name: string, value: string): void {
  const rule = SETTING_RULES.get(name);
  if (!rule) throw ValidationError.of("name", `Unknown setting '${name}'; supported: ${[...SETTING_RULES.keys()].join(", ")}`);
  if (!rule.check(value)) throw ValidationError.of("value", rule.message);
}

export class SettingService {
  constructor(private readonly ctx: ServiceContext) {}

  async setMany(accountSid: string, trunkSid: string, items: ({ name: string; value: string } | ValidationError)[]): Promise<ItemResult<TrunkSetting>[]> {
    const db = this.ctx.store.db;
    const trunk = await requireTrunk(db, accountSid, { sid: trunkSid });
    return eachItem(
      items,
      async (item) => {
        if (item instanceof ValidationError) throw item;
        checkSetting(item.name, item.value);
        const row = await whileTrunkExists({ sid: trunkSid }, () => trunkSettingsRepo.upsert(db, trunk.id, item.name, item.value, nowIso()));
        return mapTrunkSetting(row, trunk.sid);
      },
      () => this.ctx.feed.publish([{ accountSid, trunkId: trunk.id, kind: "setting", action: "updated" }]),
    );
  }

  async list(accountSid: string, trunkSid: string): Promise<TrunkSetting[]> {
    // Settings are a small closed set per trunk: all of them, with the trunk, in one query.
    const row = await childrenOfTrunk(this.ctx.store.db, "settings", accountSid, trunkSid, 0, 1000);
    if (!row) throw trunkNotFound({ sid: trunkSid });
    return mapSettingsJson(row.items, row.sid);
  }

  async remove(accountSid: string, trunkSid: string, name: string): Promise<TrunkSetting> {
    const db = this.ctx.store.db;
    const trunk = await requireTrunk(db, accountSid, { sid: trunkSid });
    const existing = await trunkSettingsRepo.find(db, trunk.id, name);
    if (!existing) throw new NotFoundError("setting", name, `Setting '${name}' does not exist`);
    await trunkSettingsRepo.delete(db, trunk.id, name);
    this.ctx.feed.publish([{ accountSid, trunkId: trunk.id, kind: "setting", action: "deleted" }]);
    return mapTrunkSetting(existing, trunk.sid);
  }
}
