import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { freePort } from "../helpers/process.js";
import { describeEdge } from "./harness.js";
import { Provision } from "./provision.js";
import { expectCall } from "./assertions.js";
import { call, startUas, type Uas } from "./sipp.js";

// Edge on 127.0.10.1; callers on 127.0.11-16.x; the trunks' PBX (a sipp UAS) on 127.0.10.200.
const NUMBER = "+919800000101";

describeEdge("SIP edge admission", "127.0.10.1", (stack) => {
  let p: Provision;
  let pbx: Uas;
  let acl = "";
  let digest = "";

  before(async () => {
    const s = stack();
    p = new Provision(await s.server.account(`adm${s.engine}`));
    pbx = await startUas("127.0.10.200", await freePort());
    acl = await p.trunk("acl_trunk");
    digest = await p.trunk("digest_trunk");
    await p.destinations(acl, [{ destination: `${pbx.address};transport=tcp` }]);
    await p.map(acl, NUMBER);
    await s.settled();
  });
  after(async () => {
    await pbx?.stop();
  });

  const edgeCall = (from: string, expect: number, extra: Partial<Parameters<typeof call>[0]> = {}, auth = false) =>
    call({ edge: stack().edge, from, number: NUMBER, ...extra }, { expect, auth });

  it("admits a source inside a trunk's ACL, for masks 32, 24, 16 and 9; challenges others (407)", async () => {
    const entries = [
      await p.allow(acl, "127.0.11.7", 32),
      await p.allow(acl, "127.0.12.77", 24), // not the network address: the /24 around it matches
      await p.allow(acl, "127.13.0.0", 16),
      await p.allow(acl, "127.128.0.0", 9),
    ];
    await stack().settled();
    expectCall(await edgeCall("127.0.11.7", 200), "/32 source");
    expectCall(await edgeCall("127.0.11.8", 407), "next to the /32");
    expectCall(await edgeCall("127.0.12.5", 200), "inside the /24");
    expectCall(await edgeCall("127.13.250.9", 200), "inside the /16");
    expectCall(await edgeCall("127.200.1.1", 200), "inside the /9");
    expectCall(await edgeCall("127.0.16.5", 407), "in no ACL");
    assert.ok(pbx.invites().length >= 4, "the admitted calls reached the trunk's destination");

    // Removing an entry takes effect on the next call.
    await p.disallow(acl, entries[0]!.id);
    await stack().settled();
    expectCall(await edgeCall("127.0.11.7", 407), "after its ACL entry was deleted");
  });

  it("challenges any caller without credentials, admits the right password, refuses a wrong one", async () => {
    const own = await p.credentials(digest);
    // The digest trunk carries the call out to the ACL trunk's number.
    expectCall(await edgeCall("127.0.15.5", 200, { caller: own.username, auth: { user: own.username, password: own.password } }, true), "right password");
    expectCall(await edgeCall("127.0.15.5", 403, { caller: own.username, auth: { user: own.username, password: "wrong-password-1" } }, true), "wrong password");
    expectCall(await edgeCall("127.0.15.5", 407, { caller: "nobody-known" }), "unknown user, no credentials: challenged");
    expectCall(await edgeCall("127.0.15.5", 403, { caller: "nobody-known", auth: { user: "nobody-known", password: "x" } }, true), "unknown auth user");
  });

  it("a rotated credential's old password stops working; a deleted credential stops working", async () => {
    const added = await p.addCredential(digest, `pbx-${stack().engine}`, "FirstPassw0rd12");
    const user = `pbx-${stack().engine}`;
    expectCall(await edgeCall("127.0.15.6", 200, { caller: user, auth: { user, password: "FirstPassw0rd12" } }, true), "new credential");
    await p.rotateCredential(digest, added.id, "SecondPassw0rd34");
    expectCall(await edgeCall("127.0.15.6", 403, { caller: user, auth: { user, password: "FirstPassw0rd12" } }, true), "old password after rotation");
    expectCall(await edgeCall("127.0.15.6", 200, { caller: user, auth: { user, password: "SecondPassw0rd34" } }, true), "new password after rotation");
    await p.deleteCredential(digest, added.id);
    expectCall(await edgeCall("127.0.15.6", 403, { caller: user, auth: { user, password: "SecondPassw0rd34" } }, true), "deleted credential");
  });

  it("a deleted trunk's IPs and credentials stop working", async () => {
    const doomed = await p.trunk("doomed");
    await p.allow(doomed, "127.0.14.9", 32);
    const own = await p.credentials(doomed);
    await stack().settled();
    expectCall(await edgeCall("127.0.14.9", 200), "ACL before delete");
    expectCall(await edgeCall("127.0.15.7", 200, { caller: own.username, auth: { user: own.username, password: own.password } }, true), "digest before delete");
    await p.deleteTrunk(doomed);
    await stack().settled();
    expectCall(await edgeCall("127.0.14.9", 407), "ACL after delete: challenged like any unknown address");
    expectCall(await edgeCall("127.0.15.7", 403, { caller: own.username, auth: { user: own.username, password: own.password } }, true), "digest after delete");
  });
});
