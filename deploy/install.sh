#!/usr/bin/env bash
# Installs linegate as a systemd service on Raspberry Pi OS (Bookworm, arm64) or any Debian 12.
#
#   sudo deploy/install.sh            from a checkout (or an unpacked release) of linegate
#   sudo deploy/install.sh --dry-run  print what would be done, change nothing
#
# What it does (each step is safe to repeat; an upgrade is the same command):
#   1. checks Node.js >= 20.11 (Node 22 LTS recommended; Raspberry Pi OS ships 18: see
#      docs/operations.md for NodeSource), installs build tools for the native modules;
#   2. creates the system user `linegate` (no login, no home) in group `dialout` for serial
#      adapters, the data directory /var/lib/linegate (0750) and /etc/linegate;
#   3. copies the sources to /opt/linegate, runs `npm ci`, builds, drops dev dependencies;
#   4. puts an example config at /etc/linegate/plant.yaml and an empty linegate.env (0640) if
#      none exist (never overwrites), checks the config;
#   5. installs /etc/systemd/system/linegate.service and enables it; starts it only when the
#      config passes `linegate check-config` (else it says what to fix).
#
# Serial adapters: name them in the config by their stable path, /dev/serial/by-id/… (see
# `ls -l /dev/serial/by-id/`); /dev/ttyUSB0 changes with plugging order.
set -euo pipefail

PREFIX=/opt/linegate
CONF_DIR=/etc/linegate
DATA_DIR=/var/lib/linegate
UNIT=/etc/systemd/system/linegate.service
DRY_RUN=0
START=1
for arg in "$@"; do
  case "$arg" in
    --dry-run) DRY_RUN=1 ;;
    --no-start) START=0 ;;
    --prefix=*) PREFIX="${arg#--prefix=}" ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "unknown option: $arg (try --help)" >&2; exit 2 ;;
  esac
done

SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

say() { printf '==> %s\n' "$*"; }
run() {
  if [ "$DRY_RUN" = 1 ]; then printf '+ %s\n' "$*"; else "$@"; fi
}

if [ "$DRY_RUN" = 0 ] && [ "$(id -u)" -ne 0 ]; then
  echo "run as root: sudo $0" >&2
  exit 1
fi

# 1. Node.js
NODE_BIN="$(command -v node || true)"
if [ -z "$NODE_BIN" ]; then
  echo "Node.js is not installed. Install Node 22 LTS first (docs/operations.md, 'Node.js on the Pi')." >&2
  [ "$DRY_RUN" = 1 ] || exit 1
  NODE_BIN=/usr/bin/node
else
  NODE_VERSION="$("$NODE_BIN" -p 'process.versions.node')"
  if ! "$NODE_BIN" -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&b>=11)?0:1)'; then
    echo "Node.js $NODE_VERSION is too old: linegate needs >= 20.11 (Node 22 LTS recommended)." >&2
    [ "$DRY_RUN" = 1 ] || exit 1
  fi
fi
say "Node.js at $NODE_BIN"
run apt-get install -y --no-install-recommends python3 make g++ rsync

# 2. user and directories
if ! id linegate >/dev/null 2>&1; then
  say "creating system user linegate"
  run useradd --system --user-group --groups dialout --home-dir "$DATA_DIR" --no-create-home \
    --shell /usr/sbin/nologin linegate
else
  run usermod --append --groups dialout linegate
fi
run install -d -o linegate -g linegate -m 0750 "$DATA_DIR"
run install -d -o root -g linegate -m 0750 "$CONF_DIR"

# 3. the code
say "installing to $PREFIX"
run install -d -m 0755 "$PREFIX"
run rsync -a --delete --exclude .git --exclude node_modules --exclude dist --exclude data \
  --exclude .bench --exclude coverage "$SRC/" "$PREFIX/"
run bash -c "cd '$PREFIX' && npm ci --no-audit --no-fund && npm run build && npm prune --omit=dev --no-audit --no-fund"
run chown -R root:root "$PREFIX"

# 4. config
if [ ! -e "$CONF_DIR/plant.yaml" ]; then
  say "example config -> $CONF_DIR/plant.yaml (edit it: site, lines, machines, http.host)"
  run install -o root -g linegate -m 0640 "$PREFIX/config/examples/plant.yaml" "$CONF_DIR/plant.yaml"
fi
if [ ! -e "$CONF_DIR/linegate.env" ]; then
  run install -o root -g linegate -m 0640 /dev/null "$CONF_DIR/linegate.env"
fi

# 5. the unit
say "systemd unit -> $UNIT"
if [ "$DRY_RUN" = 1 ]; then
  printf '+ install %s (node: %s, prefix: %s)\n' "$UNIT" "$NODE_BIN" "$PREFIX"
else
  sed -e "s#/usr/bin/node#$NODE_BIN#g" -e "s#/opt/linegate#$PREFIX#g" \
    "$SRC/deploy/systemd/linegate.service" > "$UNIT"
  chmod 0644 "$UNIT"
fi
run systemctl daemon-reload
run systemctl enable linegate.service

if [ "$START" = 1 ]; then
  if run runuser -u linegate -- bash -c "set -a; . '$CONF_DIR/linegate.env'; exec '$NODE_BIN' '$PREFIX/dist/gateway/cli.js' check-config '$CONF_DIR/plant.yaml'"; then
    run systemctl restart linegate.service
    say "started: systemctl status linegate; logs: journalctl -u linegate -f"
  else
    say "not started: fix $CONF_DIR/plant.yaml (above), then: sudo systemctl restart linegate"
  fi
fi
say "done"
