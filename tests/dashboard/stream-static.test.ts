import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, harness, login } from './harness.js';

/** SSE over a real socket (inject cannot hold a stream open), and the web UI's files. */
let h: Harness;
afterEach(() => h?.close());

async function readEvents(res: Response, n: number): Promise<{ event: string; data: string }[]> {
  const reader = res.body?.getReader();
  if (!reader) throw new Error('no body');
  const dec = new TextDecoder();
  let buf = '';
  const out: { event: string; data: string }[] = [];
  for (let guard = 0; out.length < n && guard < 200; guard++) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += dec.decode(value, { stream: true });
    let i = buf.indexOf('\n\n');
    while (i >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) out.push({ event, data });
      i = buf.indexOf('\n\n');
    }
  }
  await reader.cancel();
  return out;
}

describe('GET /api/stream', () => {
  it('sends the machine list at once, then a new snapshot when a value changes; refuses anonymous without kiosk', async () => {
    h = harness();
    const base = await h.app.listen({ host: '127.0.0.1', port: 0 });
    expect((await fetch(`${base}/api/stream`)).status).toBe(401);
    const s = await login(h.app, 'operator');
    h.live.applySamples([{ machine: 'a', point: 'oil', value: 170, ts: 1000, quality: 'good' }]);
    const res = await fetch(`${base}/api/stream`, { headers: { cookie: s.cookie } });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const pending = readEvents(res, 3);
    await new Promise((r) => setTimeout(r, 50));
    h.live.applySamples([{ machine: 'a', point: 'oil', value: 181.5, ts: 2000, quality: 'good' }]);
    const [alarms, ...events] = await pending;
    expect(alarms?.event).toBe('alarms');
    expect(JSON.parse(alarms?.data ?? '')).toEqual([{ machine: 'a', alarms: null }]);
    expect(events.map((e) => e.event)).toEqual(['machines', 'machines']);
    const value = (e: { data: string }) =>
      (JSON.parse(e.data) as { id: string; points: { value: number }[] }[])[0]?.points[0]?.value;
    expect(events.map(value)).toEqual([170, 181.5]);
  });

  it('ends open streams when the server closes', async () => {
    h = harness({ kiosk: true });
    const base = await h.app.listen({ host: '127.0.0.1', port: 0 });
    const res = await fetch(`${base}/api/stream`);
    const reader = res.body?.getReader();
    await reader?.read();
    const closing = h.app.close();
    for (let i = 0; i < 100; i++) if ((await reader?.read())?.done) break;
    await closing;
  });
});

describe('web UI files', () => {
  it('serves / with security headers, assets by name only, JSON 404 for unknown API paths', async () => {
    h = harness();
    const index = await h.app.inject('/');
    expect(index.statusCode, 'dashboard/dist missing: run npm run build').toBe(200);
    expect(index.headers['content-type']).toMatch(/text\/html/);
    expect(index.body).toContain('/assets/app.js');
    expect(index.headers['content-security-policy']).toMatch(/script-src 'self'/);
    const js = await h.app.inject('/assets/app.js');
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect((await h.app.inject('/assets/..%2Fpackage.json')).statusCode).toBe(404);
    expect((await h.app.inject('/assets/nothing.js')).statusCode).toBe(404);
    const api = await h.app.inject('/api/nothing');
    expect(api.statusCode).toBe(404);
    expect(api.json()).toMatchObject({ code: 'LG_NOT_FOUND' });
  });
});
