import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/config.js";
import { edgeOptions, withOverride } from "../../src/edge/config.js";
import { renderConfig } from "../../src/edge/render.js";

const options = (env: NodeJS.ProcessEnv = {}) => edgeOptions(loadConfig({}), env);
const line = (cfg: string, re: RegExp) => cfg.split("\n").filter((l) => re.test(l));

describe("edge SIP settings", () => {
  it("advertises TRUNKLINE_EDGE_ADVERTISE on every SIP socket (TLS at its own port), never on the JSON-RPC listener", () => {
    assert.deepEqual(line(renderConfig(options()), /^listen=/), ['listen=udp:127.0.0.1:5060 name "sip_udp"', 'listen=tcp:127.0.0.1:5060 name "sip_tcp"', 'listen=tls:127.0.0.1:5061 name "sip_tls"', "listen=tcp:127.0.0.1:5071"]);
    assert.deepEqual(line(renderConfig(options({ TRUNKLINE_EDGE_ADVERTISE: "sip.example.net" })), /^listen=/), [
      'listen=udp:127.0.0.1:5060 advertise sip.example.net:5060 name "sip_udp"',
      'listen=tcp:127.0.0.1:5060 advertise sip.example.net:5060 name "sip_tcp"',
      'listen=tls:127.0.0.1:5061 advertise sip.example.net:5061 name "sip_tls"',
      "listen=tcp:127.0.0.1:5071",
    ]);
    const nat = withOverride(options({ TRUNKLINE_EDGE_ADVERTISE: "203.0.113.9:5080", TRUNKLINE_EDGE_LISTEN: "10.0.0.5:5060" }), "--tls-listen", "10.0.0.5:5091");
    assert.deepEqual(line(renderConfig(nat), /^listen=(udp|tls)/), ['listen=udp:10.0.0.5:5060 advertise 203.0.113.9:5080 name "sip_udp"', 'listen=tls:10.0.0.5:5091 advertise 203.0.113.9:5091 name "sip_tls"']);
    assert.deepEqual(withOverride(options(), "--advertise", "[2001:db8::1]:5062").advertise, { host: "[2001:db8::1]", port: 5062 });
    for (const bad of ["a b", "host:0", "host:99999", "sip:host", "host:port"]) {
      assert.throws(() => options({ TRUNKLINE_EDGE_ADVERTISE: bad }), /TRUNKLINE_EDGE_ADVERTISE must be host or host:port/, bad);
    }
  });

  it("renders the scanner guard's thresholds from TRUNKLINE_EDGE_BAN_* and _PIKE_*, with documented defaults", () => {
    const defaults = renderConfig(options());
    assert.match(defaults, /^modparam\("htable", "htable", "bans=>size=8;autoexpire=900;"\)$/m);
    assert.match(defaults, /^modparam\("htable", "htable", "authfails=>size=8;autoexpire=60;initval=0;"\)$/m);
    assert.match(defaults, /^\tif \(\$shtinc\(authfails=>\$si\) >= 5\) \{$/m);
    assert.match(defaults, /^modparam\("pike", "sampling_time_unit", 2\)$/m);
    assert.match(defaults, /^modparam\("pike", "reqs_density_per_unit", 30\)$/m);
    const set = renderConfig(options({ TRUNKLINE_EDGE_BAN_AFTER: "3", TRUNKLINE_EDGE_BAN_WINDOW: "30", TRUNKLINE_EDGE_BAN_SECONDS: "120", TRUNKLINE_EDGE_PIKE_DENSITY: "50", TRUNKLINE_EDGE_PIKE_UNIT: "4" }));
    assert.match(set, /"bans=>size=8;autoexpire=120;"/);
    assert.match(set, /"authfails=>size=8;autoexpire=30;initval=0;"/);
    assert.match(set, />= 3\) \{/);
    assert.match(set, /"sampling_time_unit", 4\)/);
    assert.match(set, /"reqs_density_per_unit", 50\)/);
    for (const name of ["TRUNKLINE_EDGE_BAN_AFTER", "TRUNKLINE_EDGE_BAN_WINDOW", "TRUNKLINE_EDGE_BAN_SECONDS", "TRUNKLINE_EDGE_PIKE_DENSITY", "TRUNKLINE_EDGE_PIKE_UNIT"]) {
      for (const bad of ["0", "-1", "1.5", "ten"]) assert.throws(() => options({ [name]: bad }), new RegExp(`${name} must be a positive whole number, got '${bad}'`));
    }
  });

  it("answers requests over the size limit with 513, loads destinations without DNS, and leaves no {{placeholder}}", () => {
    const cfg = renderConfig(options());
    assert.match(cfg, /^\tif \(\$ml > 32768\) \{$/m);
    assert.match(cfg, /sl_send_reply\("513", "Message Too Large"\)/);
    assert.match(cfg, /^modparam\("dispatcher", "ds_dns_mode", 0\)$/m);
    assert.match(cfg, /^use_dns_cache=off$/m);
    assert.deepEqual(cfg.match(/\{\{[A-Z_]+\}\}/g), null);
  });
});
