import type { FastifyInstance } from "fastify";
import type { AppDeps } from "../../http/deps.js";

/** The carrier SIP trunks API (JSON:API) under /carrier/v1. */
export async function registerCarrier(_app: FastifyInstance, _deps: AppDeps): Promise<void> {}
