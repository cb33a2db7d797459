import { randomBytes } from "node:crypto";
import { createSocket, type Socket } from "node:dgram";
import { recordRoutes, uriTarget } from "../edge/sipPbx.js";
import { headerValues } from "../edge/sipTls.js";
import { bodyOf } from "./rtp.js";

/**
 * A SIP caller over UDP written with Node's sockets, for the media tests: it offers the SDP the
 * test gives it (naming the test's own RTP socket), and hands back every message it received so
 * the test can read the SDP the edge sent it. sipp cannot do the parts needed here (its SDP names
 * its own media port, and late offers, re-INVITEs and CANCEL mid-ring need other scenarios).
 */

export interface Reply {
  status: number;
  text: string;
  /** The SDP body, if any. */
  sdp: string | undefined;
}

export interface UacCall {
  callId: string;
  /** The 1xx replies seen so far. */
  provisional(): Reply[];
  /** Settles with the INVITE's final reply (a non-2xx is ACKed at once). */
  final: Promise<Reply>;
  /** After a 2xx: the ACK (with `sdp`, the answer to a late offer). */
  ack(sdp?: string): void;
  /** A re-INVITE with `sdp` (ACKed on 2xx). */
  reinvite(sdp: string): Promise<Reply>;
  bye(): Promise<Reply>;
  /** CANCEL of the INVITE while it rings; settles with the CANCEL's answer. */
  cancel(): Promise<Reply>;
  /** Requests the far side sent in this dialog (a BYE, a re-INVITE from the PBX), answered 200. */
  requests(): string[];
  /** The SDP its 200 to a re-INVITE from the far side carries (default: none). */
  answerReinvitesWith(sdp: string): void;
}

export interface Uac {
  host: string;
  port: number;
  /** Calls `number` through the edge at `edge` (ip:port), offering `sdp` (none: a late offer). */
  invite(edge: string, number: string, sdp: string | undefined): UacCall;
  close(): void;
}

const newBranch = () => `z9hG4bK-${randomBytes(8).toString("hex")}`;

function parseReply(text: string): Reply {
  const body = bodyOf(text);
  return { status: Number(text.slice(8, 11)), text, sdp: /^content-type:\s*application\/sdp/im.test(text) && body ? body : undefined };
}

export async function startUac(host: string): Promise<Uac> {
  const socket: Socket = createSocket("udp4");
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(0, host, () => resolve());
  });
  const port = socket.address().port;
  // Waiters by Via branch: each settles on the final reply of its transaction.
  const waiters = new Map<string, { onReply: (r: Reply) => void }>();
  const inDialog = new Map<string, string[]>();
  const reinviteAnswers = new Map<string, string>();
  const send = (text: string, to: { host: string; port: number }) => socket.send(text, to.port, to.host);

  socket.on("message", (msg, rinfo) => {
    const text = msg.toString("utf8");
    if (text.startsWith("SIP/2.0 ")) {
      const branch = /branch=([^;\s,]+)/.exec(headerValues(text, "Via")[0] ?? "")?.[1] ?? "";
      const method = (headerValues(text, "CSeq")[0] ?? "").split(/\s+/)[1] ?? "";
      waiters.get(`${branch}|${method}`)?.onReply(parseReply(text));
      return;
    }
    // A request from the far side (BYE, OPTIONS): answered 200 on the path it came by.
    const callId = headerValues(text, "Call-ID")[0] ?? "";
    inDialog.get(callId)?.push(text);
    if (text.startsWith("ACK ")) return;
    const copied = ["Via", "Record-Route", "From", "To", "Call-ID", "CSeq"].flatMap((n) => headerValues(text, n).map((v) => `${n}: ${v}`));
    const sdp = text.startsWith("INVITE ") ? reinviteAnswers.get(callId) : undefined;
    const contact = `Contact: <sip:caller@${host}:${port}>`;
    const tail = sdp === undefined ? "Content-Length: 0\r\n\r\n" : `Content-Type: application/sdp\r\nContent-Length: ${Buffer.byteLength(sdp)}\r\n\r\n${sdp}`;
    socket.send(`SIP/2.0 200 OK\r\n${copied.join("\r\n")}\r\n${contact}\r\n${tail}`, rinfo.port, rinfo.address);
  });

  /** Settles with the final reply to `method` sent with Via branch `branch` (a CANCEL shares its INVITE's). */
  const transaction = (branch: string, method: string, onProvisional?: (r: Reply) => void): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const key = `${branch}|${method}`;
      const timer = setTimeout(() => {
        waiters.delete(key);
        reject(new Error(`no final reply to ${method} within 10 s`));
      }, 10000);
      waiters.set(key, {
        onReply: (r) => {
          if (r.status < 200) return onProvisional?.(r);
          clearTimeout(timer);
          waiters.delete(key);
          resolve(r);
        },
      });
    });

  return {
    host,
    port,
    invite(edge, number, sdp) {
      const [edgeHost, edgePort] = edge.split(":") as [string, string];
      const target = { host: edgeHost, port: Number(edgePort) };
      const callId = `${randomBytes(8).toString("hex")}@${host}`;
      const fromTag = randomBytes(5).toString("hex");
      const ruri = `sip:${number}@${edge}`;
      const from = `<sip:caller@${host}:${port}>;tag=${fromTag}`;
      const contact = `Contact: <sip:caller@${host}:${port}>`;
      inDialog.set(callId, []);
      const provisional: Reply[] = [];
      let cseq = 1;
      // The dialog, once the 2xx came: To with its tag, where in-dialog requests go, the route set.
      let dialog: { to: string; target: string; routes: string[] } | undefined;
      const inviteBranch = newBranch();
      const head = (method: string, uri: string, branch: string, n: number, to: string, routes: string[] = []) =>
        [`${method} ${uri} SIP/2.0`, `Via: SIP/2.0/UDP ${host}:${port};branch=${branch};rport`, ...routes.map((r) => `Route: <${r}>`), `From: ${from}`, `To: ${to}`, `Call-ID: ${callId}`, `CSeq: ${n} ${method}`, "Max-Forwards: 70"];
      const withBody = (lines: string[], body: string | undefined) =>
        body === undefined ? `${[...lines, "Content-Length: 0"].join("\r\n")}\r\n\r\n` : `${[...lines, "Content-Type: application/sdp", `Content-Length: ${Buffer.byteLength(body)}`].join("\r\n")}\r\n\r\n${body}`;
      /** In-dialog requests go to the first route (the edge), loose routing. */
      const next = () => {
        const first = dialog?.routes[0];
        if (!first) return target;
        const t = uriTarget(first);
        return { host: t.host, port: t.port };
      };
      const inDialogRequest = (method: string, body?: string): Promise<Reply> => {
        if (!dialog) throw new Error(`${method} before the call was answered`);
        const branch = newBranch();
        const n = ++cseq;
        const reply = transaction(branch, method);
        send(withBody([...head(method, dialog.target, branch, n, dialog.to, dialog.routes), contact], body), next());
        return method === "INVITE"
          ? reply.then((r) => {
              if (r.status >= 200 && r.status < 300) sendAck(n);
              return r;
            })
          : reply;
      };
      const sendAck = (n: number, body?: string) => {
        if (!dialog) return;
        send(withBody(head("ACK", dialog.target, newBranch(), n, dialog.to, dialog.routes), body), next());
      };
      const invite = withBody([...head("INVITE", ruri, inviteBranch, 1, `<sip:${number}@${edge}>`), contact], sdp);
      const final = transaction(inviteBranch, "INVITE", (r) => provisional.push(r)).then((r) => {
        const to = headerValues(r.text, "To")[0] ?? "";
        if (r.status >= 300) {
          // The ACK of a failure is part of the INVITE's transaction (same branch, hop by hop).
          send(withBody(head("ACK", ruri, inviteBranch, 1, to), undefined), target);
        } else {
          const remote = /<([^>]+)>/.exec(headerValues(r.text, "Contact")[0] ?? "")?.[1] ?? ruri;
          dialog = { to, target: remote, routes: recordRoutes(r.text).reverse() };
        }
        return r;
      });
      send(invite, target);
      return {
        callId,
        provisional: () => [...provisional],
        final,
        ack: (body?: string) => sendAck(1, body),
        reinvite: (body: string) => inDialogRequest("INVITE", body),
        bye: () => inDialogRequest("BYE"),
        cancel() {
          const reply = transaction(inviteBranch, "CANCEL");
          send(withBody(head("CANCEL", ruri, inviteBranch, 1, `<sip:${number}@${edge}>`), undefined), target);
          return reply;
        },
        requests: () => [...(inDialog.get(callId) ?? [])],
        answerReinvitesWith: (sdp: string) => void reinviteAnswers.set(callId, sdp),
      };
    },
    close: () => socket.close(),
  };
}
