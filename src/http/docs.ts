import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";

/**
 * `/docs`: the API reference, rendered by Swagger UI from the server's own OpenAPI document.
 * Every asset is served from the swagger-ui-dist copy in node_modules: no CDN, works offline.
 * Also serves the document at /docs/json and /docs/yaml (/openapi.json's, this server's origin first in `servers`).
 */
export async function registerDocs(app: FastifyInstance): Promise<void> {
  await app.register(swaggerUi, {
    routePrefix: "/docs",
    uiConfig: { docExpansion: "list", deepLinking: true, displayOperationId: true, tryItOutEnabled: false },
    staticCSP: true,
    // The page's own origin first, so "Try it out" calls the server showing it.
    transformSpecification: (spec, req) => {
      const doc = spec as { servers?: unknown[] };
      return { ...doc, servers: [{ url: `${req.protocol}://${req.host}`, description: "This server" }, ...(doc.servers ?? [])] };
    },
  });
}
