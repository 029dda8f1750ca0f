/**
 * A real MQTT broker for integration tests: Mosquitto 2 (Debian `mosquitto`) on a free
 * 127.0.0.1 port, with its config, password-less ACL-less listener(s) and persistence in a temp
 * dir. Debian does not start the service by itself; each test starts its own.
 *
 * Calling rules: `await startMosquitto()` in beforeAll, `await broker.kill()` in afterAll (safe
 * when already dead). `restart()` keeps the ports and, with persistence (the default), the
 * sessions and their queued messages (saved on SIGTERM).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { killGroup, linesOf, spawnPeer, tailOf, waitForLine } from './process-group.js';
import { hasCommand } from './require-peer.js';

export interface MosquittoTls {
  readonly cafile: string;
  readonly certfile: string;
  readonly keyfile: string;
  /** Ask every client for a certificate signed by `cafile`. */
  readonly requireCertificate?: boolean;
}

export interface MosquittoOptions {
  readonly tls?: MosquittoTls;
  /** Keep sessions on disk across restart() (default true). */
  readonly persistence?: boolean;
  /** Extra lines for mosquitto.conf. */
  readonly extra?: readonly string[];
}

export interface Mosquitto {
  /** Plain MQTT listener on 127.0.0.1. */
  readonly port: number;
  /** TLS listener, when `tls` was given. */
  readonly tlsPort: number | null;
  readonly pid: number;
  readonly url: string;
  kill(signal?: NodeJS.Signals): Promise<void>;
  restart(): Promise<void>;
  /** SIGTERM, keeping the port, the config and the saved sessions for `start()`. */
  stop(): Promise<void>;
  /** Starts again after `stop()`, on the same port(s). */
  start(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 10_000;

export function mosquittoAvailable(): boolean {
  return hasCommand('mosquitto') && hasCommand('mosquitto_pub');
}

export async function startMosquitto(options: MosquittoOptions = {}): Promise<Mosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'linegate-mosquitto-'));
  const port = await freePort();
  const tlsPort = options.tls ? await freePort() : null;
  const lines = [
    // As root, Mosquitto would switch to the `mosquitto` user, who cannot read this 0700 temp dir.
    ...(process.getuid?.() === 0 ? ['user root'] : []),
    'per_listener_settings false',
    'allow_anonymous true',
    `persistence ${options.persistence === false ? 'false' : 'true'}`,
    `persistence_location ${dir}/`,
    'autosave_interval 0',
    'max_queued_messages 100000',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    'log_type information',
    `listener ${port} 127.0.0.1`,
  ];
  if (options.tls && tlsPort !== null) {
    lines.push(
      `listener ${tlsPort} 127.0.0.1`,
      `cafile ${options.tls.cafile}`,
      `certfile ${options.tls.certfile}`,
      `keyfile ${options.tls.keyfile}`,
      `require_certificate ${options.tls.requireCertificate ? 'true' : 'false'}`,
    );
  }
  lines.push(...(options.extra ?? []));
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, `${lines.join('\n')}\n`);

  let child = await launch(conf);
  let stopped = false;
  return {
    port,
    tlsPort,
    url: `mqtt://127.0.0.1:${port}`,
    get pid() {
      return child.pid ?? -1;
    },
    async kill(signal = 'SIGTERM') {
      if (!stopped) {
        stopped = true;
        await killGroup(child, signal);
      }
      if (signal !== 'SIGSTOP') rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      await killGroup(child, 'SIGTERM');
      child = await launch(conf);
      stopped = false;
    },
    async stop() {
      await killGroup(child, 'SIGTERM');
    },
    async start() {
      child = await launch(conf);
      stopped = false;
    },
  };
}

async function launch(conf: string): Promise<ChildProcess> {
  const child = spawnPeer('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr = child.stderr;
  if (!stderr) throw new Error('mosquitto: no stderr pipe');
  const tail = tailOf(stderr);
  const lines = linesOf(stderr);
  try {
    await waitForLine(
      child,
      lines,
      /mosquitto version \S+ running/,
      STARTUP_TIMEOUT_MS,
      () => `mosquitto: ${tail()}`,
    );
  } catch (err) {
    await killGroup(child, 'SIGKILL');
    throw err;
  }
  return child;
}
