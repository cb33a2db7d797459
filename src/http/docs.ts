import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";

/**
 * `/docs`: the API reference, rendered by Swagger UI from the server's own OpenAPI document.
 * Every asset is served from the swagger-ui-dist copy in node_modules: no CDN, works offline.
 * Also serves the document at /docs/json and /docs/yaml (the same as /openapi.json).
 */
export async function registerDocs(app: FastifyInstance): Promise<void> {
  await app.register(swaggerUi, {
    routePrefix: "/docs",
    uiConfig: { docExpansion: "list", deepLinking: true, displayOperationId: true, tryItOutEnabled: false },
    staticCSP: true,
  });
}
