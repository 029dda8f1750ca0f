import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { freePort } from '../peers/free-port.js';

/**
 * The demo as `npm start` runs it (the built CLI: simulators + gateway), on free ports: the
 * demo config and plan are copied to a temp dir with every fixed port (Modbus 15020–15025,
 * MQTT 18830) replaced by a free one, so the tests run beside another demo. Users are made
 * with `linegate user add` before the start, as an admin would.
 */
export const root = join(import.meta.dirname, '..', '..');
const cli = join(root, 'dist', 'gateway', 'cli.js');
export const ARTIFACTS = join(root, 'test-artifacts');
export const CHROMIUM = '/usr/bin/chromium';
export const PASSWORD = 'mật khẩu thử 2026';
export const USERS = { an: 'admin', binh: 'technician', chi: 'manager', dung: 'operator' } as const;

export interface Demo {
  url: string;
  dir: string;
  output(): string;
  stop(): Promise<void>;
}

export function browserAvailable(): boolean {
  return existsSync(CHROMIUM) && existsSync(join(root, 'dashboard', 'dist', 'index.html')) && existsSync(cli);
}

/** `planEdit` changes the simulated plant's YAML (e.g. more faults for the alarm tests). */
export async function startDemo(opts: { planEdit?: (yaml: string) => string } = {}): Promise<Demo> {
  const dir = mkdtempSync(join(tmpdir(), 'linegate-browser-'));
  const ports = new Map<string, string>();
  const swap = (text: string) =>
    text.replace(/\b(15020|15021|15022|15023|15024|15025|18830)\b/g, (p) => ports.get(p) ?? p);
  for (const p of ['15020', '15021', '15022', '15023', '15024', '15025', '18830'])
    ports.set(p, String(await freePort()));
  const config = join(dir, 'demo.yaml');
  const plan = join(dir, 'plan.yaml');
  writeFileSync(config, swap(readFileSync(join(root, 'config', 'demo.yaml'), 'utf8')));
  const planText = swap(readFileSync(join(root, 'simulators', 'demo-plant.yaml'), 'utf8')).replace(
    'profileDirs: [../devices]',
    `profileDirs: [${join(root, 'devices')}]`,
  );
  writeFileSync(plan, opts.planEdit ? opts.planEdit(planText) : planText);
  const env = { ...process.env, LINEGATE_DATA_DIR: join(dir, 'data') };
  for (const [name, role] of Object.entries(USERS)) {
    const r = spawnSync(
      process.execPath,
      [cli, 'user', 'add', name, '--role', role, '-c', config, '--password-stdin'],
      {
        env,
        input: `${PASSWORD}\n`,
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    if (r.status !== 0) throw new Error(`user add ${name}: ${r.stderr}`);
  }
  const port = await freePort();
  let out = '';
  const child: ChildProcess = spawn(
    process.execPath,
    [cli, 'demo', '--port', String(port), '--config', config, '--plan', plan],
    { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const url = `http://127.0.0.1:${port}`;
  const t0 = Date.now();
  for (;;) {
    try {
      const h = (await (await fetch(`${url}/api/health`)).json()) as {
        machines: { total: number; online: number };
      };
      if (h.machines.online === h.machines.total) break;
    } catch {
      // not listening yet
    }
    if (Date.now() - t0 > 45_000 || child.exitCode !== null) throw new Error(`demo did not come up:\n${out}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  return {
    url,
    dir,
    output: () => out,
    async stop() {
      if (child.exitCode === null) {
        const done = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([done, new Promise((r) => setTimeout(r, 10_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    },
  };
}

/** Debian Chromium, headless, in a fresh profile directory. */
export async function openBrowser(): Promise<{
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}> {
  const profile = mkdtempSync(join(tmpdir(), 'linegate-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 800 },
    locale: 'vi-VN',
    timezoneId: 'Asia/Ho_Chi_Minh',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export async function signIn(page: Page, url: string, name: string): Promise<void> {
  await page.goto(`${url}/#/login`);
  await page.fill('input[name=name]', name);
  await page.fill('input[name=password]', PASSWORD);
  await page.click('form.login button[type=submit]');
  await page.waitForSelector(`header .who:has-text("${name}")`);
}

/**
 * The demo and a browser for one describe block: started in its beforeAll, closed in its
 * afterAll. Read `demo` and `browser` inside the tests (they are set once beforeAll ran).
 */
export function demoWithBrowser(opts: Parameters<typeof startDemo>[0] = {}): {
  readonly demo: Demo;
  readonly browser: Awaited<ReturnType<typeof openBrowser>>;
} {
  const state: { demo?: Demo; browser?: Awaited<ReturnType<typeof openBrowser>> } = {};
  beforeAll(async () => {
    state.demo = await startDemo(opts);
    state.browser = await openBrowser();
  }, 120_000);
  afterAll(async () => {
    await state.browser?.close();
    await state.demo?.stop();
  });
  return {
    get demo() {
      if (!state.demo) throw new Error('the demo has not started (beforeAll)');
      return state.demo;
    },
    get browser() {
      if (!state.browser) throw new Error('the browser has not started (beforeAll)');
      return state.browser;
    },
  };
}
