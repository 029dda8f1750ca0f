import { describe, expect, it } from 'vitest';
import { requirePeer } from '../peers/require-peer.js';
import { browserAvailable, demoWithBrowser, screenshot, signIn } from './demo.js';

/** A manager signs in and sees today's kg per machine and line, as the API gives it. */
const ok = requirePeer('chromium', browserAvailable);

describe.skipIf(!ok)('manager page: kg for today', () => {
  const run = demoWithBrowser();

  it('shows a row with kg for every machine and line of /api/production/daily', async () => {
    const { page } = run.browser;
    await signIn(page, run.demo.url, 'chi');
    await page.goto(`${run.demo.url}/#/manager`);
    await page.waitForSelector('.manager table.data tr[data-row] td.kg', { timeout: 30_000 });
    const daily = await page.evaluate<{
      machines: { machine: string; kg: number | null }[];
      lines: { line: string }[];
    }>(
      "fetch('/api/production/daily?date=' + new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh' }).format(new Date())).then((r) => r.json())",
    );
    expect(daily.machines.length).toBeGreaterThan(0);
    const cells = new Map(
      await page.$$eval('.manager table.data:first-of-type tr[data-row]', (els) =>
        els.map(
          (e) => [e.getAttribute('data-row') ?? '', e.querySelector('td.kg')?.textContent ?? ''] as const,
        ),
      ),
    );
    for (const l of daily.lines) expect(cells.has(l.line)).toBe(true);
    // A machine that cannot be weighed (no product weight, no scale) shows a dash, never 0 kg.
    for (const m of daily.machines) {
      expect(cells.has(m.machine)).toBe(true);
      if (m.kg === null) expect(cells.get(m.machine)).toBe('—');
      else expect(cells.get(m.machine)).toMatch(/^[\d.]+(,\d+)?$/);
    }
    expect(daily.machines.some((m) => (m.kg ?? 0) > 0)).toBe(true);
    await screenshot(page, 'manager-kg');
  }, 90_000);
});
