import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { selfSignedCertificate } from "../../src/edge/tls.js";
import { Provision } from "../edge/provision.js";
import { startPbx, type Pbx, type Transport } from "../edge/sipPbx.js";
import type { CarrierClient } from "../helpers/carrierClient.js";
import { freePort } from "../helpers/process.js";
import { ENGINES } from "../helpers/stores.js";
import { answeredCall, assertOnlyEdge, exchangeRtp } from "./calls.js";
import { audioSdp, rtpPeer, type RtpPeer } from "./rtp.js";
import { describeMedia } from "./stack.js";
import { startUac, type Uac } from "./uac.js";

// Edge and its rtpengine on 127.0.160.1 (media ports 31000-31999); callers on 127.0.164.x, PBXs on 127.0.165.x.

const certDir = mkdtempSync(join(tmpdir(), "tl-media-anchor-"));
const pbxCertificate = selfSignedCertificate(join(certDir, "pbx"));
after(() => rmSync(certDir, { recursive: true, force: true }));

for (const engine of ENGINES) {
  describeMedia("media anchored through rtpengine", engine, "127.0.160.1", { min: 31000, max: 31999 }, (stack) => {
    let p: Provision;
    let carrier: CarrierClient;
    let uac: Uac;
    const closers: Array<{ close(): void } | { stop(): Promise<void> }> = [];
    const peer = async (host: string) => {
      const r = await rtpPeer(host);
      closers.push(r);
      return r;
    };
    before(async () => {
      const s = stack().edge;
      const clients = await s.server.clients(`media${engine}`);
      p = new Provision(clients.exotel);
      carrier = clients.carrier;
      await p.allow(await p.trunk("callers"), "127.0.164.0", 24);
      uac = await startUac("127.0.164.5");
      closers.push(uac);
    });
    after(async () => {
      for (const c of closers) await ("stop" in c ? c.stop() : c.close());
    });

    /** A PBX on 127.0.165.<host> answering with its own RTP peer's address; `number` routed to it. */
    const pbxFor = async (host: number, transport: Transport, number: string, options: Parameters<typeof startPbx>[3] = {}): Promise<{ pbx: Pbx; rtp: RtpPeer }> => {
      const rtp = await peer(`127.0.165.${host}`);
      const pbx = await startPbx(`127.0.165.${host}`, await freePort(), transport, { certificate: pbxCertificate, sdp: () => audioSdp(rtp.host, rtp.port), ...options });
      closers.push(pbx);
      if (transport === "udp") {
        const digits = number.replace(/^\+/, "");
        const made = await carrier.create({ name: `udp${digits.slice(-4)}`, authentication_mode: "ip_address", region: "ap-south-1", outbound_host: pbx.address, outbound_route_prefixes: [digits.slice(0, 7)] });
        assert.equal(made.status, 201, made.text);
      } else {
        const t = await p.trunk(`t${number.slice(-4)}`);
        await p.destinations(t, [{ destination: `${pbx.address};transport=${transport}` }]);
        await p.map(t, number);
      }
      await stack().edge.settled();
      return { pbx, rtp };
    };

    const cases: Array<{ transport: Transport; host: number; number: string }> = [
      { transport: "udp", host: 11, number: "+447700916011" },
      { transport: "tcp", host: 12, number: "+917700916012" },
      { transport: "tls", host: 13, number: "+917700916013" },
    ];
    for (const c of cases) {
      it(`a ${c.transport.toUpperCase()} destination: each side's SDP names only the edge, RTP flows both ways through it, BYE leaves no session`, async () => {
        const { pbx, rtp } = await pbxFor(c.host, c.transport, c.number);
        const callerRtp = await peer("127.0.164.5");
        const media = stack().mediaHost;
        const call = await answeredCall(uac, stack().edge.edge, c.number, callerRtp, pbx);
        assertOnlyEdge(call.pbxSees, media, "the PBX");
        assertOnlyEdge(call.callerSees, media, "the caller");
        await exchangeRtp({ peer: callerRtp, to: call.callerSees }, { peer: rtp, to: call.pbxSees }, media);
        assert.ok((await stack().ng.list()).length >= 1, "the relay holds the call's session");
        assert.equal((await call.call.bye()).status, 200);
        assert.deepEqual(await stack().noSessions(), [], "no session once the call ended");
      });
    }
  });
}
