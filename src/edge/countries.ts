import { getCountries, getExampleNumber, Metadata, type CountryCode } from "libphonenumber-js";
import examples from "libphonenumber-js/mobile/examples";
import type { Store } from "../store/db.js";
import type { EdgeViews } from "./projection.js";

export interface CountryRule {
  country: string;
  calling_code: string;
  /** Digits written before the national number in the country's national format ("0" in KH, "" in US). */
  national_prefix: string;
  /**
   * libphonenumber's national (trunk) prefix: what a caller dials before a national number ("0" in
   * KH, "1" in US). Stripped from numbers received in national format; it is not always written
   * in the national format (US), hence a rule of its own.
   */
  trunk_prefix: string;
  /** libphonenumber's national number pattern: a number matching it is valid for the country. */
  pattern: string;
}

/**
 * One rule per country known to libphonenumber. Whether national format starts with the national
 * prefix varies by country (KH "071 610 0987" does, US "(650) 513-0514" does not), so it is read
 * off the country's own example number rather than assumed.
 */
export function countryRules(): CountryRule[] {
  const metadata = new Metadata();
  return getCountries().map((country: CountryCode) => {
    metadata.selectNumberingPlan(country);
    // The typings omit these accessors of the numbering plan.
    const plan = metadata.numberingPlan as unknown as { callingCode(): string; nationalNumberPattern(): string; nationalPrefix(): unknown };
    const example = getExampleNumber(country, examples);
    let national_prefix = "";
    if (example) {
      const digits = example.formatNational().replace(/\D/g, "");
      if (digits.endsWith(example.nationalNumber)) national_prefix = digits.slice(0, digits.length - example.nationalNumber.length);
    }
    // Spelled without backslashes: db_postgres hands text to htable with them stripped.
    const pattern = plan.nationalNumberPattern().replace(/\\d/g, "[0-9]");
    // Countries without one yield undefined, or 0 from the compressed metadata.
    const dialled = plan.nationalPrefix();
    const trunk_prefix = typeof dialled === "string" ? dialled : "";
    return { country, calling_code: plan.callingCode(), national_prefix, trunk_prefix, pattern };
  });
}

/** Writes the rules when they differ from what the store holds (edges load them at start). */
export async function syncCountryRules(store: Store): Promise<boolean> {
  const db = store.db.withTables<EdgeViews>();
  const want = countryRules();
  const have = await db.selectFrom("edge_countries").selectAll().orderBy("country").execute();
  const key = (r: CountryRule) => `${r.country}|${r.calling_code}|${r.national_prefix}|${r.trunk_prefix}|${r.pattern}`;
  const sorted = [...want].sort((a, b) => (a.country < b.country ? -1 : 1));
  if (have.length === sorted.length && have.every((r, i) => key(r) === key(sorted[i] as CountryRule))) return false;
  await db.transaction().execute(async (tx) => {
    await tx.deleteFrom("edge_countries").execute();
    for (let i = 0; i < want.length; i += 100) await tx.insertInto("edge_countries").values(want.slice(i, i + 100)).execute();
  });
  return true;
}
