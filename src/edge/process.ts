import { spawn, spawnSync, type ChildProcess, type StdioOptions } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EdgeOptions } from "./config.js";
import { aptInstallCommand, EDGE_PACKAGES } from "./packages.js";
import { kamailioEnv, renderConfig } from "./render.js";
import { ensureCertificate, renderTlsConfig, requireTlsModule, TLS_CONFIG_NAME } from "./tls.js";

export const KAMAILIO_INSTALL_HINT = `trunkline setup (or: ${aptInstallCommand(EDGE_PACKAGES)})`;

/** Fails with the install hint when the kamailio binary is not on PATH. */
export function requireKamailio(bin = process.env.TRUNKLINE_KAMAILIO_BIN || "kamailio"): string {
  const probe = spawnSync(bin, ["-v"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) throw new Error(`kamailio not found ('${bin} -v' failed). Install it with: ${KAMAILIO_INSTALL_HINT}`);
  return bin;
}

export interface EdgeProcess {
  child: ChildProcess;
  configPath: string;
  /** Removes the rendered config (after the process has exited). */
  cleanup(): void;
}

/**
 * Renders the config (and its tls.cfg, with the certificate made on first use) into a private
 * temp dir and runs Kamailio in the foreground (-DD, logs to stderr). Shared and private memory
 * are in MB.
 */
export function startKamailio(
  options: EdgeOptions,
  run: {
    shmMb?: number;
    pkgMb?: number;
    stdio?: StdioOptions;
    /** Command to run Kamailio under, e.g. ["taskset", "-c", "0"] (benchmarks pin it). */
    wrapper?: string[];
    /** A config to run instead of the rendered edge config (the benchmark's bare relay). */
    config?: string;
  } = {},
): EdgeProcess {
  const bin = requireKamailio();
  // Everything that can fail is done before the temp dir exists.
  const files: Record<string, string> = {};
  if (run.config === undefined) {
    requireTlsModule(options.modulePath);
    files[TLS_CONFIG_NAME] = renderTlsConfig(options.tls, ensureCertificate(options.tls));
  }
  files["kamailio.cfg"] = run.config ?? renderConfig(options);
  const dir = mkdtempSync(join(tmpdir(), "tl-edge-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text, { mode: 0o600 });
  const configPath = join(dir, "kamailio.cfg");
  // TLSF instead of the default QM allocator for shared and private memory: profiled under call
  // load, qm_malloc was half of the edge's CPU (75% of a bare relay's); TLSF halves CPU per call.
  const memory = ["-x", "tlsf", "-X", "tlsf", "-m", String(run.shmMb ?? 256), "-M", String(run.pkgMb ?? 64)];
  const args = ["-DD", "-E", "-f", configPath, ...memory, "-Y", dir, "-P", join(dir, "kamailio.pid")];
  const [cmd, ...pre] = [...(run.wrapper ?? []), bin];
  const child = spawn(cmd as string, [...pre, ...args], { env: kamailioEnv(options), stdio: run.stdio ?? ["ignore", "pipe", "pipe"] });
  return { child, configPath, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
