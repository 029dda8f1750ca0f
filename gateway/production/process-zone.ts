/**
 * UTC offsets from the process's own time zone (the TZ variable, read by V8's Date) instead of an
 * Intl.DateTimeFormat. Both come from ICU's zone data and agree, but creating a DateTimeFormat
 * pages ~6.6 MB of ICU's locale data into the gateway's RSS for good, where Date under TZ pages
 * in ~0.6 MB (docs/footprint.md, session 6). So the gateway adopts the site's zone as its TZ at
 * start (when TZ is not set otherwise) and zoned-time.ts takes the offsets of that zone from Date;
 * any other zone still goes through Intl.
 *
 * A zone name V8 does not know makes Date fall back to UTC without a word, so a zone is used this
 * way only after Date has shown a non-zero offset for it in January or July of this year (a zone
 * at UTC+0 all year stays with Intl, which is exact for it too).
 */

const known = new Map<string, boolean>();

/** The zone's offsets (minutes east of UTC) in January and July of this year, read under TZ=tz. */
function probeOffsets(tz: string): [number, number] {
  const before = process.env.TZ;
  const year = new Date().getUTCFullYear();
  process.env.TZ = tz;
  try {
    return [
      -new Date(Date.UTC(year, 0, 15)).getTimezoneOffset(),
      -new Date(Date.UTC(year, 6, 15)).getTimezoneOffset(),
    ];
  } finally {
    if (before === undefined) delete process.env.TZ;
    else process.env.TZ = before;
  }
}

/** Whether V8's Date knows the zone (shows a non-zero offset for it this year). Cached. */
export function dateKnowsZone(tz: string): boolean {
  let ok = known.get(tz);
  if (ok === undefined) {
    const [jan, jul] = probeOffsets(tz);
    ok = jan !== 0 || jul !== 0;
    known.set(tz, ok);
  }
  return ok;
}

/**
 * Makes `tz` the process's zone when TZ is not set (or was set by an earlier call); a TZ set by
 * the operator (systemd unit, Docker) is left alone. True when Date now answers for `tz`.
 */
let adopted: string | null = null;
export function adoptProcessZone(tz: string): boolean {
  const env = process.env;
  if (env.TZ !== undefined && env.TZ !== adopted) return env.TZ === tz && dateKnowsZone(tz);
  if (!dateKnowsZone(tz)) return false;
  env.TZ = tz;
  adopted = tz;
  return true;
}

/** True when offsets of `tz` may be taken from Date (it is the process's zone and Date knows it). */
export function isProcessZone(tz: string): boolean {
  return process.env.TZ === tz && dateKnowsZone(tz);
}

/** Offset of the process's zone at instant ts, in ms (local = utc + offset). */
export function processZoneOffset(ts: number): number {
  return -new Date(ts).getTimezoneOffset() * 60_000;
}
