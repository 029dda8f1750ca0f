/**
 * When the next poll of a machine starts (pure). Polls start on multiples of the poll interval
 * counted from the Unix epoch, so every machine with the same interval is read in the same turn
 * of the event loop: one timer wake-up for all of them instead of one each (a wake-up is what a
 * mostly idle gateway pays for; docs/footprint.md), their replies arrive together, and their
 * samples share the same seconds on the dashboards.
 *
 * - The next start is the first multiple of `intervalMs` at or after both `now` and half an
 *   interval after this poll's start: a timer that fires a little early or late (the grid is
 *   Date.now(), timers run on the loop's monotonic clock) still lands on the next multiple, never
 *   polls twice for one.
 * - A poll that took its whole interval or more (a slow RS-485 bus shared by many machines) is
 *   followed at once by the next, as before the grid: the bus stays busy rather than waiting for
 *   a multiple. The machine rejoins the grid once its polls are quicker again.
 * - So the wait is at most one and a half intervals (the first poll after start-up, late in its
 *   interval, waits for the multiple after next), and clock jumps (NTP setting a Pi's clock after
 *   boot) never make it longer than that, or negative.
 */
export function nextPollDelay(startedAt: number, now: number, intervalMs: number): number {
  if (!(intervalMs > 0) || now - startedAt >= intervalMs) return 0;
  const earliest = Math.max(now, startedAt + intervalMs / 2);
  const next = Math.ceil(earliest / intervalMs) * intervalMs;
  return Math.min(1.5 * intervalMs, Math.max(0, next - now));
}
