# syntax=docker/dockerfile:1
#
# trunkline in one image: the API server, the SIP edge (Kamailio) and the media relay (rtpengine),
# on Debian bookworm. One image, one command per container: `serve`, `edge`, `media`, `migrate`,
# or `up` for everything in one container. Ports, volume, users and what was checked without
# Docker: docs/deploy.md. `test/deploy/dockerfile.test.ts` and `scripts/dockerfile-check.ts` read
# this file: keep one instruction per step they name (COPY sources, the package line, HEALTHCHECK).

ARG NODE_IMAGE=node:20-bookworm-slim

# 1. build: every dependency, then TypeScript compiled to dist/.
FROM ${NODE_IMAGE} AS build
WORKDIR /build
COPY package.json package-lock.json ./
COPY packages/ ./packages/
# No install scripts: the root's `prepare` (tsc) needs src/, copied after this cached layer, and
# compiling needs no native module.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src/ ./src/
RUN npx tsc -p tsconfig.build.json
# The web console (src/console, bundled by esbuild into dist/console; docs/console.md).
COPY scripts/build-console.ts ./scripts/
RUN npx tsx scripts/build-console.ts

# 2. deps: production dependencies only, better-sqlite3's native module built here so the
# compilers stay out of the runtime image.
FROM ${NODE_IMAGE} AS deps
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /build
COPY package.json package-lock.json ./
COPY packages/ ./packages/
RUN npm ci --omit=dev --ignore-scripts \
 && npm rebuild better-sqlite3

# 3. runtime
FROM ${NODE_IMAGE} AS runtime
# The platform's Debian packages are PLATFORM_PACKAGES of src/edge/packages.ts — the one list
# `trunkline setup` installs — read from the compiled module, never repeated here. Besides them:
# openssl (the edge makes its self-signed TLS certificate with it), ca-certificates
# (TRUNKLINE_EDGE_TLS_CA's default file) and tini (PID 1: reaps Kamailio's and rtpengine's
# orphaned workers and passes signals on). No recommends: rtpengine's recording daemon and
# utilities are not used.
COPY --from=build /build/dist/edge/packages.js /tmp/trunkline-packages.mjs
RUN packages="$(node -e 'import("/tmp/trunkline-packages.mjs").then((m) => console.log(m.PLATFORM_PACKAGES.join(" ")))')" \
 && test -n "$packages" \
 && apt-get update \
 && apt-get install -y --no-install-recommends $packages openssl ca-certificates tini \
 && rm -rf /var/lib/apt/lists/* /tmp/trunkline-packages.mjs

# Non-root: Kamailio and rtpengine (userspace forwarding) need no privilege on ports above 1023.
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/trunkline --shell /usr/sbin/nologin trunkline \
 && install -d -o trunkline -g trunkline -m 0700 /var/lib/trunkline /var/lib/trunkline/data

WORKDIR /opt/trunkline
# package.json: the CLI reads its version there. packages/: node_modules links the workspace.
COPY package.json ./
COPY edge/ ./edge/
COPY examples/sipp/ ./examples/sipp/
COPY packages/ ./packages/
COPY --from=deps /build/node_modules ./node_modules
COPY --from=build /build/dist ./dist

# The working directory holds ./data: the SQLite store, the secret key file and the edge's
# self-signed TLS key (README, "Configuration" defaults), all on one volume.
WORKDIR /var/lib/trunkline
VOLUME ["/var/lib/trunkline/data"]
ENV HOST=0.0.0.0
# 8080 HTTP API; 5060 SIP (UDP and TCP) and 5061 SIP over TLS (edge). The edge's JSON-RPC (5071),
# the media relay's ng port (2223/udp) and RTP range (TRUNKLINE_MEDIA_PORTS) are published only
# where a deployment needs them (deploy/compose.yaml).
EXPOSE 8080/tcp 5060/udp 5060/tcp 5061/tcp
USER 10001:10001

# Ready = the store answers (GET /readyz is 503 otherwise). Only the API answers HTTP: containers
# running `edge` or `media` override this (deploy/compose.yaml).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

ENTRYPOINT ["tini", "--", "node", "/opt/trunkline/dist/cli/main.js"]
CMD ["serve"]
