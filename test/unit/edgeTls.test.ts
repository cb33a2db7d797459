import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { loadConfig } from "../../src/config.js";
import { edgeOptions, tlsSocket, withOverride } from "../../src/edge/config.js";
import { renderConfig } from "../../src/edge/render.js";
import { certificateFiles, ensureCertificate, renderTlsConfig, selfSignedCertificate } from "../../src/edge/tls.js";

const options = (env: NodeJS.ProcessEnv = {}) => edgeOptions(loadConfig({}), env);

describe("edge TLS settings", () => {
  const dir = mkdtempSync(join(tmpdir(), "tl-edge-tls-unit-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("listens for TLS on the SIP address at the SIP port + 1 unless told otherwise", () => {
    assert.deepEqual(tlsSocket(options()), { address: "127.0.0.1", port: 5061 });
    assert.deepEqual(tlsSocket(withOverride(options(), "--listen", "10.0.0.5:5080")), { address: "10.0.0.5", port: 5081 });
    const set = options({ TRUNKLINE_EDGE_TLS_LISTEN: "10.0.0.6:5071" });
    assert.deepEqual(tlsSocket(withOverride(set, "--listen", "10.0.0.5:5080")), { address: "10.0.0.6", port: 5071 });
    assert.deepEqual(tlsSocket(withOverride(set, "--tls-listen", "10.0.0.7:5091")), { address: "10.0.0.7", port: 5091 });
    const cfg = renderConfig(withOverride(options(), "--listen", "10.0.0.5:5080"));
    assert.match(cfg, /^enable_tls=yes$/m);
    assert.match(cfg, /^listen=tls:10\.0\.0\.5:5081 name "sip_tls"$/m);
    assert.equal(/^loadmodule "(.+)"$/m.exec(cfg)?.[1], "tls.so", "tls is the first module loaded");
    assert.match(cfg, /^modparam\("tls", "config", "tls\.cfg"\)$/m);
  });

  it("does not verify destinations' certificates by default; TRUNKLINE_EDGE_TLS_VERIFY=1 does, against the CA list", () => {
    const files = { cert: "/etc/edge/cert.pem", key: "/etc/edge/key.pem" };
    const plain = renderTlsConfig(options().tls, files);
    const client = (text: string) => text.slice(text.indexOf("[client:default]"));
    assert.match(client(plain), /^verify_certificate = no$/m);
    assert.doesNotMatch(client(plain), /ca_list/);
    assert.match(plain, /\[server:default\][^[]*certificate = \/etc\/edge\/cert\.pem\nprivate_key = \/etc\/edge\/key\.pem/);
    const verifying = renderTlsConfig(options({ TRUNKLINE_EDGE_TLS_VERIFY: "1", TRUNKLINE_EDGE_TLS_CA: "/etc/edge/ca.pem" }).tls, files);
    assert.match(client(verifying), /^verify_certificate = yes\nrequire_certificate = yes\nca_list = \/etc\/edge\/ca\.pem$/m);
    assert.match(verifying.slice(0, verifying.indexOf("[client:default]")), /^verify_certificate = no$/m, "callers need no client certificate");
  });

  it("refuses settings it cannot honour, saying why", () => {
    assert.throws(() => options({ TRUNKLINE_EDGE_TLS_VERIFY: "sure" }), /TRUNKLINE_EDGE_TLS_VERIFY must be 1 or 0/);
    assert.throws(() => options({ TRUNKLINE_EDGE_TLS_KEY: "/k.pem" }), /without TRUNKLINE_EDGE_TLS_CERT/);
    assert.throws(() => options({ TRUNKLINE_EDGE_TLS_LISTEN: "5061" }), /TRUNKLINE_EDGE_TLS_LISTEN must be host:port/);
    assert.deepEqual(options({ TRUNKLINE_EDGE_TLS_CERT: "/both.pem" }).tls.files, { cert: "/both.pem", key: "/both.pem" }, "one PEM may hold both");
    assert.throws(() => ensureCertificate(options({ TRUNKLINE_EDGE_TLS_CERT: join(dir, "missing.pem") }).tls), /TRUNKLINE_EDGE_TLS_CERT: .*missing\.pem does not exist/);
    assert.throws(() => renderTlsConfig(options().tls, { cert: "/a b/cert.pem", key: "/k.pem" }), /must not contain spaces/);
  });

  it("makes a self-signed certificate once (key mode 0600) and reuses it", () => {
    const tls = options({ TRUNKLINE_EDGE_TLS_DIR: join(dir, "data", "edge-tls") }).tls;
    const made = ensureCertificate(tls);
    assert.deepEqual(made, certificateFiles(tls));
    assert.match(readFileSync(made.cert, "utf8"), /^-----BEGIN CERTIFICATE-----/);
    assert.match(readFileSync(made.key, "utf8"), /^-----BEGIN PRIVATE KEY-----/);
    assert.equal(statSync(made.key).mode & 0o777, 0o600);
    const before = readFileSync(made.cert, "utf8");
    assert.deepEqual(selfSignedCertificate(tls.dir), made);
    assert.equal(readFileSync(made.cert, "utf8"), before, "the same pair, not a new one");
  });
});
