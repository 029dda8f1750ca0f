import type { FastifyInstance } from 'fastify';
import { READ } from './policy.js';
import { type GatewayView, machineView } from './view.js';

/**
 * `GET /api/stream`: Server-Sent Events. `event: machines` carries the whole machine list (as
 * `GET /api/machines`) at connect and then each second when it changed; a comment line every
 * 15 s otherwise keeps proxies and phones from closing the connection. The client reconnects
 * with backoff and shows "stale" meanwhile (dashboard/src/live.ts). `event: alarms` carries
 * `[{ machine, alarms }]` at connect and (each machine's alarm summary, from the alarms part's `alarms` member
 * of the machine view; null while that part is absent) then whenever it changed, so the technician
 * page reloads its list at once instead of waiting for its poll.
 *
 * Calling rules: one ticker for all clients; open streams are ended at server close
 * (preClose), so `app.close()` does not wait for them.
 */
export function registerStreamRoutes(app: FastifyInstance, view: GatewayView, tickMs = 1000): void {
  interface Client {
    write(s: string): void;
    end(): void;
    last: string;
    lastAlarms: string;
    idle: number;
  }
  const clients = new Set<Client>();
  let timer: NodeJS.Timeout | null = null;
  const snapshot = () => {
    const machines = view.config.machines.map((m) => machineView(view, m));
    const alarms = machines.map((m) => ({
      machine: m.id,
      alarms: (m as { alarms?: unknown }).alarms ?? null,
    }));
    return { data: JSON.stringify(machines), alarms: JSON.stringify(alarms) };
  };
  const tick = () => {
    if (clients.size === 0) return;
    const { data, alarms } = snapshot();
    for (const c of clients) {
      if (alarms !== c.lastAlarms) {
        c.lastAlarms = alarms;
        c.write(`event: alarms\ndata: ${alarms}\n\n`);
      }
      if (data !== c.last) {
        c.last = data;
        c.idle = 0;
        c.write(`event: machines\ndata: ${data}\n\n`);
      } else if (++c.idle * tickMs >= 15_000) {
        c.idle = 0;
        c.write(': ping\n\n');
      }
    }
  };

  app.get('/api/stream', { config: { policy: READ } }, (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-content-type-options': 'nosniff',
    });
    const { data, alarms } = snapshot();
    const client: Client = {
      write: (s: string) => res.write(s),
      end: () => res.end(),
      last: data,
      lastAlarms: alarms,
      idle: 0,
    };
    res.write(`retry: 2000\nevent: alarms\ndata: ${alarms}\n\nevent: machines\ndata: ${data}\n\n`);
    clients.add(client);
    timer ??= setInterval(tick, tickMs);
    req.raw.on('close', () => {
      clients.delete(client);
      if (clients.size === 0 && timer) {
        clearInterval(timer);
        timer = null;
      }
    });
  });

  app.addHook('preClose', async () => {
    if (timer) clearInterval(timer);
    timer = null;
    for (const c of clients) c.end();
    clients.clear();
  });
}
