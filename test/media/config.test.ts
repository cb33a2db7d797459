import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/config.js";
import { edgeOptions, mediaOptions } from "../../src/edge/config.js";
import { MEDIA_FLAGS, renderConfig } from "../../src/edge/render.js";

// The edge's media settings (docs/media.md): TRUNKLINE_MEDIA, TRUNKLINE_MEDIA_NG, and what they render.

const render = (env: NodeJS.ProcessEnv) => renderConfig(edgeOptions(loadConfig({}), env));
const param = (cfg: string, module: string, name: string) => new RegExp(`^modparam\\("${module}", "${name}", "?([^")]*)"?\\)$`, "m").exec(cfg)?.[1];

describe("edge media settings", () => {
  it("anchoring is on when TRUNKLINE_MEDIA_NG names relays, off without them or with TRUNKLINE_MEDIA=off", () => {
    assert.equal(mediaOptions({}), undefined);
    assert.equal(mediaOptions({ TRUNKLINE_MEDIA: "off", TRUNKLINE_MEDIA_NG: "127.0.0.1:2223" }), undefined);
    assert.deepEqual(mediaOptions({ TRUNKLINE_MEDIA_NG: "127.0.0.1:2223, 10.0.0.7:2224" }), {
      ng: [
        { host: "127.0.0.1", port: 2223 },
        { host: "10.0.0.7", port: 2224 },
      ],
      retrySeconds: 5,
    });
    // Asked for without an address: the local relay's usual port.
    assert.deepEqual(mediaOptions({ TRUNKLINE_MEDIA: "rtpengine" })?.ng, [{ host: "127.0.0.1", port: 2223 }]);
    assert.equal(mediaOptions({ TRUNKLINE_MEDIA_NG: "127.0.0.1:2223", TRUNKLINE_MEDIA_RETRY_SECONDS: "30" })?.retrySeconds, 30);
  });

  it("refuses settings it cannot use, naming the variable", () => {
    assert.throws(() => mediaOptions({ TRUNKLINE_MEDIA: "yes" }), /TRUNKLINE_MEDIA must be rtpengine or off, got 'yes'/);
    for (const bad of ["localhost:2223", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:2223;10.0.0.1:2223"]) {
      assert.throws(() => mediaOptions({ TRUNKLINE_MEDIA_NG: bad }), /TRUNKLINE_MEDIA_NG/, bad);
    }
    assert.throws(() => mediaOptions({ TRUNKLINE_MEDIA_NG: "127.0.0.1:2223", TRUNKLINE_MEDIA_RETRY_SECONDS: "0" }), /TRUNKLINE_MEDIA_RETRY_SECONDS must be a positive whole number/);
  });

  it("renders the relays as one rtpengine set and switches the media routes on with WITH_MEDIA", () => {
    const off = render({});
    assert.doesNotMatch(off, /^#!define WITH_MEDIA$/m);
    const on = render({ TRUNKLINE_MEDIA_NG: "127.0.0.1:2223,[::1]:2224", TRUNKLINE_MEDIA_RETRY_SECONDS: "7" });
    assert.match(on, /^#!define WITH_MEDIA$/m);
    assert.equal(param(on, "rtpengine", "rtpengine_sock"), "udp:127.0.0.1:2223 udp6:[::1]:2224");
    assert.equal(param(on, "rtpengine", "rtpengine_disable_tout"), "7");
    // Every offer and answer: only the relay's address, no ICE, padded SDES keys, no NULL (unencrypted) suite.
    for (const call of on.match(/rtpengine_(offer|answer)\("[^"]*"\)/g) ?? []) assert.ok(call.includes(MEDIA_FLAGS), call);
    assert.match(MEDIA_FLAGS, /^replace-origin replace-session-connection ICE=remove SDES-pad /);
    assert.match(MEDIA_FLAGS, /SDES-no-NULL_HMAC_SHA1_80 SDES-no-NULL_HMAC_SHA1_32$/);
    assert.doesNotMatch(MEDIA_FLAGS, /SDES-no-AES_CM_128_HMAC_SHA1_(80|32)/);
  });

  it("keeps TCP/TLS connections of PBXs behind NAT (kernel keep-alive after 30 s, an hour's lifetime) inside WITH_MEDIA only", () => {
    const cfg = render({ TRUNKLINE_MEDIA_NG: "127.0.0.1:2223" });
    const block = /^#!ifdef WITH_MEDIA\n((?:(?!#!endif).*\n)*?)#!endif/m.exec(cfg.slice(cfg.indexOf("tcp_keepalive") - 400))?.[1] ?? "";
    for (const line of ["tcp_keepalive=yes", "tcp_keepidle=30", "tcp_keepintvl=10", "tcp_keepcnt=3", "tcp_connection_lifetime=3605"]) assert.ok(block.split("\n").includes(line), line);
  });

  it("topology hiding masks with the edge's public address and a key stable per edge", () => {
    const a = render({ TRUNKLINE_MEDIA_NG: "127.0.0.1:2223", TRUNKLINE_EDGE_LISTEN: "10.0.0.5:5060" });
    assert.equal(param(a, "topoh", "mask_ip"), "10.0.0.5");
    assert.equal(param(render({ TRUNKLINE_MEDIA_NG: "127.0.0.1:2223", TRUNKLINE_EDGE_LISTEN: "10.0.0.5:5060" }), "topoh", "mask_key"), param(a, "topoh", "mask_key"));
    const b = render({ TRUNKLINE_MEDIA_NG: "127.0.0.1:2223", TRUNKLINE_EDGE_LISTEN: "10.0.0.6:5060", TRUNKLINE_EDGE_ADVERTISE: "203.0.113.9" });
    assert.equal(param(b, "topoh", "mask_ip"), "203.0.113.9");
    assert.notEqual(param(b, "topoh", "mask_key"), param(a, "topoh", "mask_key"));
    assert.match(param(a, "topoh", "mask_key") ?? "", /^[0-9a-f]{32}$/);
  });
});
