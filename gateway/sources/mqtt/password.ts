import { createHmac, randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';

/**
 * Password hashes for the embedded broker's users: scrypt (RFC 7914) in the text form
 * `scrypt$N$r$p$salt$hash`, salt and hash in standard base64 — e.g.
 * `scrypt$16384$8$1$3q2+7w…==$kV4n…=`. N is a power of two, at least 2^14 (16 MiB of memory per
 * check with r = 8); the hash is 32 bytes. `npx linegate mqtt-passwd` makes one.
 */
export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

export const DEFAULT_SCRYPT: ScryptParams = { N: 16384, r: 8, p: 1 };
export const MIN_N = 16384;
const KEY_BYTES = 32;
const SALT_BYTES = 16;

interface ParsedHash extends ScryptParams {
  readonly salt: Buffer;
  readonly hash: Buffer;
}

function maxmem(p: ScryptParams): number {
  return 128 * p.N * p.r * p.p + 16 * 1024 * 1024;
}

export function parseHash(text: string): ParsedHash | null {
  const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/.exec(text);
  if (!m) return null;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const salt = Buffer.from(m[4] ?? '', 'base64');
  const hash = Buffer.from(m[5] ?? '', 'base64');
  const powerOfTwo = N > 1 && (N & (N - 1)) === 0;
  if (!powerOfTwo || N < MIN_N || N > 2 ** 20 || r < 1 || r > 32 || p < 1 || p > 16) return null;
  if (salt.length < 8 || hash.length < 16) return null;
  return { N, r, p, salt, hash };
}

/** Why a hash text is not usable, for the config check; null when it is fine. */
export function hashProblem(text: string): string | null {
  return parseHash(text)
    ? null
    : `is not a usable scrypt hash (scrypt$N$r$p$salt$hash with N a power of two ≥ ${MIN_N}; make one with npx linegate mqtt-passwd)`;
}

export function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): string {
  const salt = randomBytes(SALT_BYTES);
  const hash = scryptSync(password.normalize('NFC'), salt, KEY_BYTES, { ...params, maxmem: maxmem(params) });
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/**
 * One scrypt at a time: each takes 128·N·r bytes (16 MiB by default) for its duration, and a burst
 * of devices connecting together (after a power cut, every device at once) would otherwise take
 * that once per libuv thread. On a Pi the peak memory matters more than 50 ms of login time.
 */
let queue: Promise<unknown> = Promise.resolve();

function derive(password: Buffer, h: ParsedHash): Promise<Buffer> {
  const run = (): Promise<Buffer> =>
    new Promise((resolve, reject) =>
      scrypt(password, h.salt, h.hash.length, { N: h.N, r: h.r, p: h.p, maxmem: maxmem(h) }, (err, key) =>
        err ? reject(err) : resolve(key),
      ),
    );
  const next = queue.then(run, run);
  queue = next.catch(() => undefined);
  return next;
}

/** A hash no password matches, checked for unknown users so that they take as long as known ones. */
let dummy: ParsedHash | null = null;
function dummyHash(): ParsedHash {
  if (dummy) return dummy;
  const h = parseHash(hashPassword(randomBytes(24).toString('base64')));
  if (!h) throw new Error('dummy hash');
  dummy = h;
  return h;
}

/**
 * Checks a password against a stored hash (or against a dummy when `stored` is null: an unknown
 * user costs the same time and gives the same answer as a wrong password). Constant-time compare.
 */
export async function verifyPassword(password: Buffer | string, stored: string | null): Promise<boolean> {
  const parsed = stored === null ? null : parseHash(stored);
  const h = parsed ?? dummyHash();
  const pw = Buffer.from(typeof password === 'string' ? password.normalize('NFC') : password);
  const key = await derive(pw, h);
  return timingSafeEqual(key, h.hash) && parsed !== null;
}

/**
 * Remembers passwords that passed scrypt (as an HMAC under a key made at start, never written
 * anywhere), so that a device reconnecting in a loop does not cost a scrypt each time.
 * A miss or a different password always goes to scrypt.
 */
export class VerifiedCache {
  private readonly key = randomBytes(32);
  private readonly seen = new Map<string, Buffer>();

  private mac(password: Buffer): Buffer {
    return createHmac('sha256', this.key).update(password).digest();
  }

  has(username: string, password: Buffer): boolean {
    const known = this.seen.get(username);
    return known !== undefined && timingSafeEqual(known, this.mac(password));
  }

  remember(username: string, password: Buffer): void {
    this.seen.set(username, this.mac(password));
  }
}
