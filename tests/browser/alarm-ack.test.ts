import { describe, expect, it } from 'vitest';
import { requirePeer } from '../peers/require-peer.js';
import { browserAvailable, demoWithBrowser, screenshot, signIn } from './demo.js';

/**
 * The simulated plant faults often here so that an
 * alarm is active soon. A technician acknowledges it with a comment; the alarm list and the
 * board reflect it, and the audit trail names the technician.
 */
const ok = requirePeer('chromium', browserAvailable);

interface Alarm {
  id: string;
  machine: string;
  ackedAt: number | null;
  ackedBy: string | null;
}

describe.skipIf(!ok)('technician acknowledges an alarm', () => {
  const run = demoWithBrowser({
    planEdit: (y) => y.replace(/faultRatePerHour: [\d.]+/, 'faultRatePerHour: 600'),
  });

  it('acks from the technician page; the board badge and the alarm show it', async () => {
    const { page } = run.browser;
    await signIn(page, run.demo.url, 'binh');
    await page.goto(`${run.demo.url}/#/tech`);
    await page.waitForSelector('tr.alarm button.ack', { timeout: 60_000 });
    const row = page.locator('tr.alarm:has(button.ack)').first();
    const id = await row.getAttribute('data-alarm');
    expect(id).toBeTruthy();
    await row.locator('input').fill('đã kiểm tra');
    await row.locator('button.ack').click();
    let all: { alarms: Alarm[] } = { alarms: [] };
    for (let i = 0; i < 30 && !all.alarms.some((a) => a.id === id && a.ackedBy === 'binh'); i++) {
      await page.waitForTimeout(500);
      all = await page.evaluate<{ alarms: Alarm[] }>("fetch('/api/alarms?state=all').then((r) => r.json())");
    }
    const acked = all.alarms.find((a) => a.id === id);
    expect(acked?.ackedBy).toBe('binh');
    await screenshot(page, 'alarm-acked');
    await page.goto(`${run.demo.url}/#/board`);
    await page.waitForSelector(`.tile[data-machine="${acked?.machine}"]`);
    await screenshot(page, 'board-after-ack');
    // The audit trail (manager/admin) names the technician.
    await signIn(page, run.demo.url, 'an');
    const audit = await page.evaluate<{ records: { actor: string; action: string; target: string }[] }>(
      "fetch('/api/audit?action=alarm.').then((r) => r.json())",
    );
    expect(audit.records.some((r) => r.actor === 'binh' && r.action === 'alarm.ack')).toBe(true);
  }, 120_000);
});
