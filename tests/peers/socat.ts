/**
 * A virtual serial line: two pseudo-terminals joined by socat, so a Modbus RTU server can
 * sit on one end and the gateway on the other.
 */

import { killGroup, linesOf, spawnPeer, tailOf, waitForLine } from './process-group.js';
import { hasCommand } from './require-peer.js';

export interface PtyPair {
  /** One end, e.g. for the simulated slave. */
  readonly a: string;
  /** The other end, e.g. for the gateway under test. */
  readonly b: string;
  /** Stops socat (both paths disappear). Safe to call twice. */
  close(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 5000;

/**
 * socat runs under a small sh that also waits on its stdin, a pipe from this process: if
 * this process dies without cleaning up, the pipe closes and sh kills socat.
 */
const SCRIPT = [
  'exec 3<&0',
  'socat -d -d pty,raw,echo=0 pty,raw,echo=0 </dev/null &',
  's=$!',
  '{ read -r _ <&3; kill "$s" 2>/dev/null; } &',
  'wait "$s"',
].join('\n');

export function socatAvailable(): boolean {
  return hasCommand('socat');
}

/** Starts socat and resolves with the two pty paths once it is transferring (≤ 5 s). */
export async function openPtyPair(): Promise<PtyPair> {
  const child = spawnPeer('sh', ['-c', SCRIPT], { stdio: ['pipe', 'ignore', 'pipe'] });
  const stderr = child.stderr;
  if (!stderr) throw new Error('socat: no stderr pipe');
  const lines = linesOf(stderr);
  const tail = tailOf(stderr);
  const ptys: string[] = [];
  lines.on('line', (line) => {
    const path = line.match(/PTY is (\S+)/)?.[1];
    if (path) ptys.push(path);
  });
  const close = async (): Promise<void> => {
    await killGroup(child, 'SIGTERM', 2000);
    child.stdin?.destroy();
  };
  try {
    await waitForLine(
      child,
      lines,
      /starting data transfer loop/,
      STARTUP_TIMEOUT_MS,
      () => `socat: ${tail()}`,
    );
  } catch (error) {
    await close();
    throw error;
  }
  const [a, b] = ptys;
  if (a === undefined || b === undefined) {
    await close();
    throw new Error(`socat: expected two "PTY is" lines, got ${ptys.length}: ${tail()}`);
  }
  return { a, b, close };
}
