# linegate gateway image: multi-stage, Node 22 LTS on Debian 12 slim, non-root, one data volume.
#
#   docker build -t linegate:0.1.0 .
#   docker buildx build --platform linux/amd64,linux/arm64 -t REGISTRY/linegate:0.1.0 --push .
#   docker run -d --name linegate --restart unless-stopped \
#     -v /etc/linegate:/etc/linegate:ro -v linegate-data:/var/lib/linegate -p 8080:8080 \
#     --device /dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A10K4X2B-if00-port0 \
#     --stop-timeout 20 linegate:0.1.0
#
# The site config must set http.host: 0.0.0.0 for the published port to reach the gateway.
# Pass a serial adapter by its stable /dev/serial/by-id/… path, the same path the config names.
# Docker cannot run where this project is developed: the recipe is checked by
# tests/ops/packaging.test.ts, not built there (see docs/operations.md).

ARG NODE_IMAGE=node:22-bookworm-slim

# ── build: compile TypeScript and the native modules, then keep production dependencies ──────
FROM ${NODE_IMAGE} AS build
# better-sqlite3 and serialport compile their native binding when no prebuilt one fits.
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

# ── runtime: no compilers, no npm cache, a non-root user ─────────────────────────────────────
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    LINEGATE_DATA_DIR=/var/lib/linegate \
    LINEGATE_STOP_TIMEOUT_MS=8000 \
    MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=131072 \
    MALLOC_TRIM_THRESHOLD_=131072 \
    NODE_OPTIONS=--max-semi-space-size=1
# (MALLOC_*, NODE_OPTIONS: resident memory, measured in docs/footprint.md; the same values as
# gateway/runtime/memory-settings.ts, checked by tests/ops/packaging.test.ts)
# dialout: access to serial adapters passed in with --device.
RUN groupadd --system linegate \
 && useradd --system --gid linegate --groups dialout --home-dir /var/lib/linegate --shell /usr/sbin/nologin linegate \
 && mkdir -p /var/lib/linegate /etc/linegate \
 && chown linegate:linegate /var/lib/linegate \
 && chmod 0750 /var/lib/linegate
WORKDIR /opt/linegate
COPY --from=build --chown=root:root /app/package.json ./
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --from=build --chown=root:root /app/dashboard/dist ./dashboard/dist
COPY --from=build --chown=root:root /app/devices ./devices
COPY --from=build --chown=root:root /app/config ./config
COPY --from=build --chown=root:root /app/docs ./docs
USER linegate
VOLUME /var/lib/linegate
# 8080 HTTP (dashboard, API, /metrics); 1883 the embedded MQTT broker when mqtt.broker is set.
EXPOSE 8080 1883
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch(process.env.LINEGATE_HEALTH_URL||'http://127.0.0.1:8080/api/health',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "dist/gateway/cli.js"]
CMD ["--config", "/etc/linegate/plant.yaml"]
