import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EdgeOptions } from "../../src/edge/config.js";
import { startKamailio, type EdgeProcess } from "../../src/edge/process.js";
import { renderConfig } from "../../src/edge/render.js";
import { ensureCertificate, renderTlsConfig, TLS_CONFIG_NAME } from "../../src/edge/tls.js";

/**
 * The edge's own rendered config with `edit` applied (an experiment: another dialog timeout, other
 * SQLite pragmas), run as startKamailio runs it. A given config gets no tls.cfg from
 * startKamailio, so this writes one beside it and points the config at it.
 */
export function startEditedKamailio(options: EdgeOptions, edit: (cfg: string) => string, run: Omit<NonNullable<Parameters<typeof startKamailio>[1]>, "config"> = {}): EdgeProcess {
  const dir = mkdtempSync(join(tmpdir(), "tl-edited-edge-"));
  const tlsCfg = join(dir, TLS_CONFIG_NAME);
  writeFileSync(tlsCfg, renderTlsConfig(options.tls, ensureCertificate(options.tls)), { mode: 0o600 });
  const from = `modparam("tls", "config", "${TLS_CONFIG_NAME}")`;
  const rendered = renderConfig(options);
  if (!rendered.includes(from)) throw new Error(`the edge config no longer holds ${from}`);
  const p = startKamailio(options, { ...run, config: edit(rendered).replace(from, `modparam("tls", "config", "${tlsCfg}")`) });
  return {
    ...p,
    cleanup: () => {
      p.cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
