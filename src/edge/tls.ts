import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { EdgeTlsOptions } from "./config.js";

export const TLS_INSTALL_HINT = "apt-get install kamailio-tls-modules";

/** The TLS settings file, written next to kamailio.cfg (Kamailio resolves the relative name against it). */
export const TLS_CONFIG_NAME = "tls.cfg";

export interface CertificateFiles {
  cert: string;
  key: string;
}

/** The rendered config loads tls.so, which Debian ships in a package of its own. */
export function requireTlsModule(modulePath: string): void {
  const path = join(modulePath, "tls.so");
  if (!existsSync(path)) throw new Error(`Kamailio's tls module not found (${path}). Install it with: ${TLS_INSTALL_HINT}`);
}

/** The edge's certificate and key: the configured files, else where the generated pair lives. */
export function certificateFiles(tls: EdgeTlsOptions): CertificateFiles {
  const files = tls.files ?? { cert: join(tls.dir, "cert.pem"), key: join(tls.dir, "key.pem") };
  return { cert: resolve(files.cert), key: resolve(files.key) };
}

/**
 * A self-signed certificate and key (mode 0600) in `dir`, made with the openssl CLI on first use
 * and reused after. The pair is made in a sibling temp dir and renamed into place, so edges
 * starting together end up sharing one pair rather than mixing two.
 */
export function selfSignedCertificate(dir: string): CertificateFiles {
  const target = resolve(dir);
  const files = { cert: join(target, "cert.pem"), key: join(target, "key.pem") };
  if (existsSync(files.cert) && existsSync(files.key)) return files;
  mkdirSync(dirname(target), { recursive: true });
  const tmp = mkdtempSync(`${target}.tmp-`);
  try {
    const args = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650", "-subj", "/CN=trunkline-edge"];
    const made = spawnSync("openssl", [...args, "-keyout", join(tmp, "key.pem"), "-out", join(tmp, "cert.pem")], { encoding: "utf8" });
    if (made.error || made.status !== 0) {
      const why = made.error?.message ?? made.stderr.trim();
      throw new Error(`openssl could not make the edge's TLS certificate (${why}). Install openssl, or set TRUNKLINE_EDGE_TLS_CERT and TRUNKLINE_EDGE_TLS_KEY`);
    }
    chmodSync(join(tmp, "key.pem"), 0o600);
    try {
      renameSync(tmp, target); // fails when another process's pair (or anything else) is there
    } catch (error) {
      if (!existsSync(files.cert) || !existsSync(files.key)) throw new Error(`cannot put the edge's TLS certificate in ${target}: ${(error as Error).message}`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return files;
}

/** The files the edge will use, generating the self-signed pair if it needs one; fails on missing files. */
export function ensureCertificate(tls: EdgeTlsOptions): CertificateFiles {
  const files = tls.files ? certificateFiles(tls) : selfSignedCertificate(tls.dir);
  const required: Array<[string, string]> = [["TRUNKLINE_EDGE_TLS_CERT", files.cert], ["TRUNKLINE_EDGE_TLS_KEY", files.key]];
  if (tls.verify) required.push(["TRUNKLINE_EDGE_TLS_CA", resolve(tls.caFile)]);
  for (const [name, path] of required) if (!existsSync(path)) throw new Error(`${name}: ${path} does not exist`);
  return files;
}

/** tls.cfg values are bare words up to the end of the line. */
function bare(path: string): string {
  if (/[\s"'#[\]=\\]/.test(path)) throw new Error(`TLS file paths must not contain spaces, quotes, '#', '[', ']', '=' or backslashes: ${path}`);
  return path;
}

/**
 * Kamailio's tls.cfg. Server role (callers connecting over TLS): no client certificate asked
 * for, admission stays ACL or digest. Client role (the edge connecting to destinations): their
 * certificates are checked against the CA list only when `verify` is on. Both present the edge's
 * certificate (a destination asking for a client certificate gets it).
 */
export function renderTlsConfig(tls: EdgeTlsOptions, files: CertificateFiles): string {
  const own = [`certificate = ${bare(files.cert)}`, `private_key = ${bare(files.key)}`];
  const verify = tls.verify ? ["verify_certificate = yes", "require_certificate = yes", `ca_list = ${bare(resolve(tls.caFile))}`] : ["verify_certificate = no", "require_certificate = no"];
  return [
    "# trunkline SIP edge: TLS profiles, rendered by `trunkline edge` (src/edge/tls.ts).",
    "",
    "[server:default]",
    "method = TLSv1.2+",
    "verify_certificate = no",
    "require_certificate = no",
    ...own,
    "",
    "[client:default]",
    "method = TLSv1.2+",
    ...verify,
    ...own,
    "",
  ].join("\n");
}
