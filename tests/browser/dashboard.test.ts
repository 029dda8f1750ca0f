import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { requirePeer } from '../peers/require-peer.js';
import { browserAvailable, demoWithBrowser, screenshot, signIn } from './demo.js';

/**
 * The dashboard in Debian Chromium against the running demo (built CLI, simulators, kiosk on).
 * Screenshots of each view go to test-artifacts/ (gitignored).
 */
const ok = requirePeer('chromium', browserAvailable);

const EXPECTED = [
  'checkweigher-1',
  'dryer-1',
  'former-1',
  'fryer-1',
  'meter-1',
  'packer-1',
  'packer-2',
  'roaster-1',
  'sealer-1',
];

// A selector, not a function: the page's CSP (script-src 'self') forbids the eval that
// Playwright's string predicates need.
const TREND_DRAWN = '.trend:not([data-points="0"]):not([data-points="1"]) canvas';

const tileTexts = (page: Page) =>
  page.$$eval('.tile', (els) => els.map((e) => `${e.getAttribute('data-machine')}|${e.textContent ?? ''}`));

describe.skipIf(!ok)('dashboard in Chromium against the demo', () => {
  const run = demoWithBrowser();

  it('board: without signing in (kiosk), every simulated machine has a tile, and values change live', async () => {
    const { page } = run.browser;
    await page.goto(run.demo.url);
    await page.waitForSelector('.livebar[data-stale="false"]', { timeout: 20_000 });
    await page
      .locator('.tile')
      .nth(EXPECTED.length - 1)
      .waitFor();
    const ids = await page.$$eval('.tile', (els) => els.map((e) => e.getAttribute('data-machine')));
    expect([...ids].sort()).toEqual(EXPECTED);
    expect(await page.textContent('header')).toContain('Bảng máy');
    expect(await page.textContent('.board')).toMatch(/Đang chạy|Dừng|Lỗi|Chạy không tải/);
    const before = await tileTexts(page);
    let changed = false;
    for (let i = 0; i < 40 && !changed; i++) {
      await page.waitForTimeout(500);
      const now = await tileTexts(page);
      changed = now.some((t, k) => t.split('|')[0] === before[k]?.split('|')[0] && t !== before[k]);
    }
    expect(changed, 'no tile changed within 20 s').toBe(true);
    await screenshot(page, 'board');
  }, 60_000);

  it('board on a 360 px phone: tiles in one column, no horizontal scroll', async () => {
    const { context, url } = { context: run.browser.context, url: run.demo.url };
    const phone = await context.newPage();
    await phone.setViewportSize({ width: 360, height: 740 });
    await phone.goto(url);
    await phone
      .locator('.tile')
      .nth(EXPECTED.length - 1)
      .waitFor();
    const wide = await phone.evaluate<number>('document.documentElement.scrollWidth');
    expect(wide).toBeLessThanOrEqual(360);
    await screenshot(phone, 'board-phone');
    await phone.close();
  }, 30_000);

  it('switches language to English and back, with local number formats', async () => {
    const { page } = run.browser;
    await page.goto(run.demo.url);
    await page.waitForSelector('.tile');
    await page.click('button.lang');
    await page.waitForSelector('header nav a:has-text("Board")');
    expect(await page.textContent('.board')).toMatch(/Running|Stopped|Fault|Idle/);
    await screenshot(page, 'board-en');
    await page.click('button.lang');
    await page.waitForSelector('header nav a:has-text("Bảng máy")');
    const value = await page.textContent('.tile .val');
    expect(value ?? '').toMatch(/^\s*-?[\d.]+(,\d)?\s/);
  }, 30_000);

  it('logs in and out; a wrong password is refused with the same words as an unknown user', async () => {
    const { page } = run.browser;
    await page.goto(`${run.demo.url}/#/login`);
    await page.fill('input[name=name]', 'an');
    await page.fill('input[name=password]', 'sai mật khẩu');
    await page.click('form.login button[type=submit]');
    await page.waitForSelector('.login .error');
    expect(await page.textContent('.login .error')).toContain('Sai tên người dùng hoặc mật khẩu');
    await screenshot(page, 'login');
    await signIn(page, run.demo.url, 'an');
    const me = await page.evaluate<{ user: unknown }>("fetch('/api/auth/me').then((r) => r.json())");
    expect(me.user).toEqual({ name: 'an', role: 'admin' });
    const cookies = await run.browser.context.cookies();
    expect(cookies.find((c) => c.name === 'lg_session')).toMatchObject({
      httpOnly: true,
      sameSite: 'Strict',
    });
    await page.goto(`${run.demo.url}/#/admin`);
    await page.waitForSelector('table.users tr[data-user="binh"]');
    await page.waitForSelector('pre.config:has-text("machines")');
    await screenshot(page, 'admin');
    await page.click('button.logout');
    await page.waitForSelector('header a.loginlink');
    const after = await page.evaluate<{ user: unknown }>("fetch('/api/auth/me').then((r) => r.json())");
    expect(after.user).toBeNull();
  }, 60_000);

  it('technician: machine page draws a trend of a point from /api/history, over 1 h and 8 h', async () => {
    const { page } = run.browser;
    await signIn(page, run.demo.url, 'binh');
    await page.goto(`${run.demo.url}/#/tech`);
    await page.waitForSelector('.technician table a[href="#/machine/roaster-1"]');
    await screenshot(page, 'technician');
    await page.click('a[href="#/machine/roaster-1"]');
    await page.waitForSelector(TREND_DRAWN, { timeout: 20_000 });
    expect(await page.$('.trend canvas')).not.toBeNull();
    await page.click('.toolbar button:has-text("8 h")');
    await page.waitForSelector('.toolbar button.on:has-text("8 h")');
    await page.waitForSelector(TREND_DRAWN);
    await screenshot(page, 'machine');
    await page.goto(`${run.demo.url}/#/manager`);
    await page.waitForSelector('.manager h2');
    await screenshot(page, 'manager');
    await page.click('button.logout');
    await page.waitForSelector('header a.loginlink');
  }, 60_000);

  it('shows "mất kết nối" (stale) when the gateway goes away', async () => {
    const { page } = run.browser;
    await page.goto(run.demo.url);
    await page.waitForSelector('.livebar[data-stale="false"]', { timeout: 20_000 });
    await run.demo.stop();
    await page.waitForSelector('.livebar[data-stale="true"]', { timeout: 20_000 });
    expect(await page.textContent('.livebar')).toContain('Mất kết nối');
    expect(await page.$$('.tile')).toHaveLength(EXPECTED.length);
    await screenshot(page, 'board-stale');
  }, 60_000);
});
