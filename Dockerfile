# linegate gateway image (first cut).
#   docker build -t linegate .
#   docker run -v "$PWD/plant.yaml:/config/plant.yaml:ro" -v linegate-data:/data -p 8080:8080 \
#     --device /dev/ttyUSB0 linegate
# The site config must set http.host: 0.0.0.0 for the published port to reach the gateway
# (the default, 127.0.0.1, only serves the health check inside the container).

# ── build: compile TypeScript, then keep only production dependencies ──────────────────────
FROM node:20-bookworm-slim AS build
# For serialport's native binding when no prebuilt binary fits the platform.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# Sources are not here yet, so the root "prepare" (build) must not run; rebuild runs the
# dependencies' install scripts once everything is copied.
RUN npm ci --ignore-scripts
COPY . .
RUN npm rebuild && npm run build && npm prune --omit=dev

# ── runtime ────────────────────────────────────────────────────────────────────────────────
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    LINEGATE_DATA_DIR=/data
# dialout: access to serial adapters passed in with --device.
RUN groupadd --system linegate \
 && useradd --system --gid linegate --groups dialout --home-dir /app --shell /usr/sbin/nologin linegate \
 && mkdir -p /data /config \
 && chown linegate:linegate /data
WORKDIR /app
COPY --from=build --chown=root:root /app/package.json ./
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --from=build --chown=root:root /app/dashboard/dist ./dashboard/dist
COPY --from=build --chown=root:root /app/devices ./devices
COPY --from=build --chown=root:root /app/config ./config
USER linegate
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/api/health',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/gateway/cli.js", "--config", "/config/plant.yaml"]
