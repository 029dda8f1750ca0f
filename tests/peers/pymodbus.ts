/**
 * A real Modbus slave for integration tests: pymodbus 3.0 (Debian 12 `python3-pymodbus`)
 * over TCP on 127.0.0.1 or RTU on a serial device (one end of `openPtyPair()`).
 * The Python side is `pymodbus_server.py`; its header documents the wire protocol.
 *
 * Calling rules: `await startPymodbus()` in beforeAll, `await server.kill()` in afterAll
 * (it is safe to call when already dead). Values set at run time survive `restart()`.
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { killGroup, linesOf, spawnPeer, tailOf, waitForLine } from './process-group.js';
import { hasPythonModules } from './require-peer.js';

export type ModbusArea = 'holding' | 'input' | 'coils' | 'discrete';

export interface PymodbusUnit {
  holding?: Record<number, number>;
  input?: Record<number, number>;
  coils?: Record<number, boolean>;
  discrete?: Record<number, boolean>;
}

export interface PymodbusOptions {
  transport: 'tcp' | 'rtu';
  /** TCP port on 127.0.0.1; default: a free one chosen by the server itself. */
  port?: number;
  /** Serial device for RTU, e.g. `pair.a` from `openPtyPair()`. */
  serialPath?: string;
  /** RTU only; default 9600. */
  baudRate?: number;
  /** Unit id → initial values. Every other address of each area reads as 0 (or false). */
  units: Record<number, PymodbusUnit>;
  /**
   * Default true: a request to a unit id that is not served (or is offline) gets no answer,
   * like a dead slave, so the client times out. false: it gets exception 0x0B.
   */
  ignoreMissingUnits?: boolean;
  /** Each area is addresses 0..blockSize-1 (default 65536); reads past it give exception 0x02. */
  blockSize?: number;
}

export interface PymodbusServer {
  /** TCP only; the same across `restart()`. */
  readonly port?: number;
  /** Changes on `restart()`. */
  readonly pid: number;
  /** Writes values (numbers for registers, booleans or 0/1 for bits) starting at `address`. */
  setRegisters(
    unit: number,
    area: ModbusArea,
    address: number,
    values: ReadonlyArray<number | boolean>,
  ): Promise<void>;
  /** Takes a unit off the line (no answers) or back on, without touching its neighbours. */
  setOnline(unit: number, online: boolean): Promise<void>;
  /** Stops the server: `signal` (default SIGTERM), then SIGKILL after 3 s. Safe to repeat. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Kills it if running, then starts it again with the same port/device and current values. */
  restart(): Promise<void>;
}

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./pymodbus_server.py', import.meta.url));
const STARTUP_TIMEOUT_MS = 15_000;
const COMMAND_TIMEOUT_MS = 5000;

/** True if Debian's python3 can import pymodbus' server (which needs pyserial-asyncio). */
export function pymodbusAvailable(): boolean {
  return hasPythonModules(PYTHON, ['pymodbus.server', 'serial_asyncio']);
}

interface Running {
  child: ChildProcess;
  send(command: Record<string, unknown>): Promise<void>;
}

export async function startPymodbus(options: PymodbusOptions): Promise<PymodbusServer> {
  if (options.transport === 'rtu' && !options.serialPath) {
    throw new Error('startPymodbus: transport rtu needs serialPath');
  }
  const units = cloneUnits(options.units);
  const offline = new Set<number>();
  const spec = (port: number | undefined): Record<string, unknown> => ({
    transport: options.transport,
    port: port ?? 0,
    serialPath: options.serialPath,
    baudRate: options.baudRate ?? 9600,
    units,
    offline: [...offline],
    ignoreMissingUnits: options.ignoreMissingUnits ?? true,
    blockSize: options.blockSize ?? 65536,
  });

  let { running, ready } = await launch(spec(options.port));
  const port = options.transport === 'tcp' ? Number(ready) : undefined;
  let stopped = false;

  const alive = (): Running => {
    if (stopped || running.child.exitCode !== null || running.child.signalCode !== null) {
      throw new Error(`pymodbus server (pid ${running.child.pid}) is not running`);
    }
    return running;
  };

  return {
    port,
    get pid() {
      return running.child.pid ?? -1;
    },
    async setRegisters(unit, area, address, values) {
      const numbers = values.map((v) => (typeof v === 'boolean' ? (v ? 1 : 0) : v));
      await alive().send({ op: 'set', unit, area, address, values: numbers });
      const stored: Record<number, number | boolean> = { ...units[unit]?.[area] };
      numbers.forEach((value, i) => {
        stored[address + i] = area === 'coils' || area === 'discrete' ? value !== 0 : value;
      });
      units[unit] = { ...units[unit], [area]: stored };
    },
    async setOnline(unit, online) {
      await alive().send({ op: 'online', unit, online });
      if (online) offline.delete(unit);
      else offline.add(unit);
    },
    async kill(signal = 'SIGTERM') {
      stopped = true;
      await killGroup(running.child, signal);
      running.child.stdin?.destroy();
    },
    async restart() {
      stopped = true;
      await killGroup(running.child, 'SIGTERM');
      running.child.stdin?.destroy();
      ({ running } = await launch(spec(port)));
      stopped = false;
    },
  };
}

async function launch(spec: Record<string, unknown>): Promise<{ running: Running; ready: string }> {
  const child = spawnPeer(PYTHON, [SCRIPT, JSON.stringify(spec)], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
  });
  const { stdout, stderr, stdin } = child;
  if (!stdout || !stderr || !stdin) throw new Error('pymodbus: missing stdio pipes');
  const tail = tailOf(stderr);
  const lines = linesOf(stdout);
  const describe = (): string => `pymodbus ${String(spec.transport)} server stderr: ${tail() || '(empty)'}`;
  // A write after the child died must not become an unhandled 'error' (EPIPE).
  stdin.on('error', () => undefined);

  let nextId = 1;
  const send = async (command: Record<string, unknown>): Promise<void> => {
    const id = nextId++;
    const reply = waitForLine(
      child,
      lines,
      new RegExp(`^(OK|ERR) ${id}(?: (.*))?$`),
      COMMAND_TIMEOUT_MS,
      describe,
    );
    stdin.write(`${JSON.stringify({ id, ...command })}\n`);
    const match = await reply;
    if (match[1] === 'ERR') throw new Error(`pymodbus rejected ${JSON.stringify(command)}: ${match[2]}`);
  };

  try {
    const match = await waitForLine(child, lines, /^READY (\S+)$/, STARTUP_TIMEOUT_MS, describe);
    return { running: { child, send }, ready: match[1] ?? '' };
  } catch (error) {
    await killGroup(child, 'SIGKILL');
    stdin.destroy();
    throw error;
  }
}

function cloneUnits(units: Record<number, PymodbusUnit>): Record<number, PymodbusUnit> {
  const copy: Record<number, PymodbusUnit> = {};
  for (const [id, unit] of Object.entries(units)) {
    copy[Number(id)] = {
      holding: { ...unit.holding },
      input: { ...unit.input },
      coils: { ...unit.coils },
      discrete: { ...unit.discrete },
    };
  }
  return copy;
}
