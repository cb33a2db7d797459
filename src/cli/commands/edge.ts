import type { Config } from "../../config.js";
import { edgeOptions, withOverride } from "../../edge/config.js";
import { syncCountryRules } from "../../edge/countries.js";
import { startKamailio } from "../../edge/process.js";
import { renderConfig } from "../../edge/render.js";
import { certificateFiles, renderTlsConfig, TLS_CONFIG_NAME } from "../../edge/tls.js";
import { migrateToLatest, openStore } from "../../store/db.js";

/**
 * `trunkline edge`: brings the store's edge projection up to date (migrations, country rules),
 * renders the Kamailio config (and tls.cfg) and runs Kamailio in the foreground until
 * SIGTERM/SIGINT, or with `--print` only prints the config.
 */
export async function edge(args: string[], config: Config): Promise<number> {
  let options = edgeOptions(config);
  let print = false;
  let shmMb = 256;
  for (let i = 0; i < args.length; i++) {
    const flag = args[i] as string;
    if (flag === "--print") print = true;
    else if (flag === "--shm") shmMb = Number(args[++i]);
    else options = withOverride(options, flag, String(args[++i] ?? ""));
  }
  if (print) {
    process.stdout.write(renderConfig(options));
    // tls.cfg is a file of its own; shown commented out, so the output stays a valid kamailio.cfg.
    const tls = renderTlsConfig(options.tls, certificateFiles(options.tls)).trimEnd().split("\n");
    process.stdout.write(`\n#### ${TLS_CONFIG_NAME}, written next to kamailio.cfg when the edge starts:\n${tls.map((l) => (l ? `# ${l}` : "#")).join("\n")}\n`);
    return 0;
  }
  const store = openStore({ databaseUrl: config.databaseUrl, pgSchema: config.pgSchema, poolSize: 1 });
  try {
    await migrateToLatest(store);
    await syncCountryRules(store);
  } finally {
    await store.close();
  }
  const proc = startKamailio(options, { shmMb, stdio: "inherit" });
  const forward = (signal: NodeJS.Signals) => proc.child.kill(signal);
  process.on("SIGTERM", forward);
  process.on("SIGINT", forward);
  return new Promise<number>((resolve) => {
    proc.child.on("exit", (code, signal) => {
      proc.cleanup();
      resolve(code ?? (signal ? 0 : 1));
    });
  });
}
