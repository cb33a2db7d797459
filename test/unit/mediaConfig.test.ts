import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { mediaRelayConfig, parsePortRange } from "../../src/media/config.js";
import { rtpengineArgs } from "../../src/media/process.js";

describe("media relay settings (TRUNKLINE_MEDIA_*)", () => {
  it("defaults: ng on 127.0.0.1:2223, media on 127.0.0.1 (or the caller's default), ports 30000-40000, log level 5, heartbeat 5 s", () => {
    assert.deepEqual(mediaRelayConfig({}), { ngAddress: "127.0.0.1:2223", interfaceAddress: "127.0.0.1", advertise: undefined, portMin: 30000, portMax: 40000, logLevel: 5, heartbeatSeconds: 5 });
    const up = mediaRelayConfig({}, { interfaceAddress: "10.0.0.5", advertise: "203.0.113.7" });
    assert.equal(up.interfaceAddress, "10.0.0.5");
    assert.equal(up.advertise, "203.0.113.7");
  });

  it("reads every variable; an advertised address equal to the interface is no advertisement", () => {
    const c = mediaRelayConfig({
      TRUNKLINE_MEDIA_NG_LISTEN: "[::1]:2300",
      TRUNKLINE_MEDIA_INTERFACE: "10.0.0.5",
      TRUNKLINE_MEDIA_ADVERTISE: "203.0.113.7",
      TRUNKLINE_MEDIA_PORTS: " 20000 - 20999 ",
      TRUNKLINE_MEDIA_LOG_LEVEL: "6",
      TRUNKLINE_MEDIA_HEARTBEAT_SECONDS: "2",
    });
    assert.deepEqual(c, { ngAddress: "[::1]:2300", interfaceAddress: "10.0.0.5", advertise: "203.0.113.7", portMin: 20000, portMax: 20999, logLevel: 6, heartbeatSeconds: 2 });
    assert.equal(mediaRelayConfig({ TRUNKLINE_MEDIA_INTERFACE: "10.0.0.5", TRUNKLINE_MEDIA_ADVERTISE: "10.0.0.5" }).advertise, undefined);
  });

  for (const [name, value, message] of [
    ["TRUNKLINE_MEDIA_NG_LISTEN", "localhost:2223", /TRUNKLINE_MEDIA_NG_LISTEN must be IP:PORT/],
    ["TRUNKLINE_MEDIA_NG_LISTEN", "127.0.0.1", /TRUNKLINE_MEDIA_NG_LISTEN must be IP:PORT/],
    ["TRUNKLINE_MEDIA_NG_LISTEN", "127.0.0.1:0", /TRUNKLINE_MEDIA_NG_LISTEN must be IP:PORT/],
    ["TRUNKLINE_MEDIA_NG_LISTEN", "0.0.0.0:2223", /TRUNKLINE_MEDIA_NG_LISTEN must be a specific IP address/],
    ["TRUNKLINE_MEDIA_INTERFACE", "eth0", /TRUNKLINE_MEDIA_INTERFACE must be an IP address, got 'eth0'/],
    ["TRUNKLINE_MEDIA_INTERFACE", "0.0.0.0", /TRUNKLINE_MEDIA_INTERFACE must be a specific IP address/],
    ["TRUNKLINE_MEDIA_ADVERTISE", "media.example.com", /TRUNKLINE_MEDIA_ADVERTISE must be an IP address/],
    ["TRUNKLINE_MEDIA_PORTS", "30000", /TRUNKLINE_MEDIA_PORTS must be LOW-HIGH/],
    ["TRUNKLINE_MEDIA_PORTS", "40000-30000", /TRUNKLINE_MEDIA_PORTS must be LOW-HIGH/],
    ["TRUNKLINE_MEDIA_PORTS", "80-2000", /within 1024-65535/],
    ["TRUNKLINE_MEDIA_PORTS", "30000-30002", /at least 4 apart/],
    ["TRUNKLINE_MEDIA_LOG_LEVEL", "9", /TRUNKLINE_MEDIA_LOG_LEVEL must be a syslog level 0-7/],
    ["TRUNKLINE_MEDIA_HEARTBEAT_SECONDS", "0", /TRUNKLINE_MEDIA_HEARTBEAT_SECONDS must be a positive whole number/],
  ] as const) {
    it(`${name}='${value}' fails naming the variable`, () => {
      assert.throws(() => mediaRelayConfig({ [name]: value }), message);
    });
  }

  it("parsePortRange names the setting it was given", () => {
    assert.throws(() => parsePortRange("x", "--ports"), /^Error: --ports must be LOW-HIGH/);
  });
});

describe("rtpengine command line", () => {
  it("userspace, foreground, stderr, the packaged config ignored, interface!advertised, the port range, sessions gone at delete", () => {
    const args = rtpengineArgs({ ngAddress: "127.0.150.1:2223", interfaceAddress: "10.0.0.5", advertise: "203.0.113.7", portMin: 30000, portMax: 30999 });
    for (const a of ["--config-file=none", "--foreground", "--log-stderr", "--table=-1", "--interface=10.0.0.5!203.0.113.7", "--listen-ng=127.0.150.1:2223", "--port-min=30000", "--port-max=30999", "--delete-delay=0", "--log-level=5"]) {
      assert.ok(args.includes(a), `${a} in ${args.join(" ")}`);
    }
    assert.ok(rtpengineArgs({ ngAddress: "127.0.150.1:2223", interfaceAddress: "10.0.0.5", portMin: 30000, portMax: 30999 }).includes("--interface=10.0.0.5"));
  });

  it("refuses a bad ng address or port range before anything runs", () => {
    assert.throws(() => rtpengineArgs({ ngAddress: "nowhere", interfaceAddress: "10.0.0.5", portMin: 30000, portMax: 30999 }), /rtpengine ng address must be IP:PORT/);
    assert.throws(() => rtpengineArgs({ ngAddress: "127.0.150.1:2223", interfaceAddress: "10.0.0.5", portMin: 30999, portMax: 30000 }), /media port range/);
  });
});
