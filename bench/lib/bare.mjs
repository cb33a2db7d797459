// The reference: a bare Fastify server, one route, a constant small JSON body, no logger — the
// framework's ceiling on this machine. Every endpoint is reported as a ratio to it. Plain
// JavaScript, run by plain node, like the compiled API server beside it.
import process from "node:process";
import Fastify from "fastify";

const app = Fastify({ logger: false });
const body = { status: "ok", service: "bare" };
app.get("/bare", async () => body);
await app.listen({ port: Number(process.env.PORT ?? 0), host: "127.0.0.1" });
process.on("SIGTERM", () => void app.close().then(() => process.exit(0)));
