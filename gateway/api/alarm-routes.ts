import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AlarmEventRecord } from '../alarms/alarm-store.js';
import type { AlarmView } from '../alarms/alarm-view.js';
import type { CommandResult } from '../alarms/engine.js';
import { actorOf, READ, type RoutePolicy } from './policy.js';

/** What the alarm routes need from the gateway (the alarm engine implements it). */
export interface AlarmsHandle {
  list(filter: { active?: boolean; machine?: string }): AlarmView[];
  history(q: { from: number; to: number; machine?: string; limit?: number }): AlarmEventRecord[];
  ack(id: string, actor: string, comment: string | null): CommandResult;
  shelve(id: string, minutes: number, actor: string, comment: string | null): CommandResult;
  unshelve(id: string, actor: string): CommandResult;
  /** Out of service (maintenance, a broken sensor): the alarm neither raises nor notifies. */
  setOutOfService?(id: string, on: boolean, actor: string, comment: string | null): CommandResult;
  summary(machine: string): { active: number; unacked: number; highestSeverity: number | null };
  /** Every committed alarm event, as it happens (for a live stream); returns the unsubscribe. */
  subscribe?(fn: (e: AlarmEventRecord) => void): () => void;
  /** Each notification channel's backlog (absent without the notification part). */
  channels?(): readonly {
    channel: string;
    pending: number;
    lastError: string | null;
    sent: number;
    failed: number;
  }[];
}

const ACT: RoutePolicy = { roles: ['technician', 'manager', 'admin'] };
/** Taking an alarm out of service silences it until put back: technicians and admins only. */
const SERVICE: RoutePolicy = { roles: ['technician', 'admin'] };
const MAX_SHELVE_MINUTES = 7 * 24 * 60;

function time(v: string | undefined, dflt: number): number {
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  return Number.isFinite(n) ? n : Date.parse(v);
}

function answer(reply: FastifyReply, r: CommandResult) {
  if (r.ok) return { alarm: r.alarm };
  return reply.code(r.code === 'LG_NOT_FOUND' ? 404 : 409).send({ code: r.code, message: r.message });
}

function comment(body: unknown): string | null | undefined {
  const c = (body as { comment?: unknown } | null)?.comment;
  if (c === undefined || c === null) return null;
  return typeof c === 'string' && c.length <= 1000 ? c.trim() || null : undefined;
}

const bad = (reply: FastifyReply, message: string) =>
  reply.code(400).send({ code: 'LG_BAD_REQUEST', message });

/**
 * GET /api/alarms?state=active|all&machine=, GET /api/alarms/history?from=&to=&machine=,
 * GET /api/alarms/channels (notification backlog per channel),
 * POST /api/alarms/:id/ack { comment? }, /shelve { minutes, comment }, /unshelve.
 * Without an alarm engine every route answers 503 { code: LG_NOT_FOUND }.
 */
export function registerAlarmRoutes(app: FastifyInstance, view: { readonly alarms?: AlarmsHandle }): void {
  const none = (reply: FastifyReply) =>
    reply.code(404).send({ code: 'LG_NOT_FOUND', message: 'alarms are not running' });

  app.get<{ Querystring: { state?: string; machine?: string } }>(
    '/api/alarms',
    { config: { policy: READ } },
    async (req, reply) => {
      const alarms = view.alarms;
      if (!alarms) return none(reply);
      const state = req.query.state ?? 'active';
      if (state !== 'active' && state !== 'all') return bad(reply, 'state must be active or all');
      const machine = req.query.machine || undefined;
      return { alarms: alarms.list({ active: state === 'active', ...(machine ? { machine } : {}) }) };
    },
  );

  app.get<{ Querystring: { from?: string; to?: string; machine?: string; limit?: string } }>(
    '/api/alarms/history',
    { config: { policy: READ } },
    async (req, reply) => {
      const alarms = view.alarms;
      if (!alarms) return none(reply);
      const now = Date.now();
      const from = time(req.query.from, now - 7 * 86_400_000);
      const to = time(req.query.to, now);
      const limit = req.query.limit === undefined ? 1000 : Number(req.query.limit);
      if (!Number.isFinite(from) || !Number.isFinite(to) || to < from || !(limit >= 1))
        return bad(reply, 'need from <= to (ISO time or epoch ms) and limit >= 1');
      const machine = req.query.machine || undefined;
      const events = alarms.history({ from, to, limit, ...(machine ? { machine } : {}) });
      return { from, to, events };
    },
  );

  app.get('/api/alarms/channels', { config: { policy: READ } }, async (_req, reply) => {
    const alarms = view.alarms;
    if (!alarms) return none(reply);
    return { channels: alarms.channels?.() ?? [] };
  });

  app.post<{ Params: { id: string } }>(
    '/api/alarms/:id/ack',
    { config: { policy: ACT } },
    async (req, reply) => {
      const alarms = view.alarms;
      if (!alarms) return none(reply);
      const c = comment(req.body);
      if (c === undefined) return bad(reply, 'comment must be text of at most 1000 characters');
      return answer(reply, alarms.ack(req.params.id, actorOf(req), c));
    },
  );

  app.post<{ Params: { id: string } }>(
    '/api/alarms/:id/shelve',
    { config: { policy: ACT } },
    async (req, reply) => {
      const alarms = view.alarms;
      if (!alarms) return none(reply);
      const minutes = (req.body as { minutes?: unknown } | null)?.minutes;
      const c = comment(req.body);
      if (typeof minutes !== 'number' || !(minutes > 0) || minutes > MAX_SHELVE_MINUTES)
        return bad(reply, `minutes must be a number in (0, ${MAX_SHELVE_MINUTES}]`);
      if (!c) return bad(reply, 'shelving needs a comment (why)');
      return answer(reply, alarms.shelve(req.params.id, minutes, actorOf(req), c));
    },
  );

  app.post<{ Params: { id: string } }>(
    '/api/alarms/:id/unshelve',
    { config: { policy: ACT } },
    async (req, reply) => {
      const alarms = view.alarms;
      if (!alarms) return none(reply);
      return answer(reply, alarms.unshelve(req.params.id, actorOf(req)));
    },
  );

  for (const [path, on] of [
    ['out-of-service', true],
    ['in-service', false],
  ] as const) {
    app.post<{ Params: { id: string } }>(
      `/api/alarms/:id/${path}`,
      { config: { policy: SERVICE } },
      async (req, reply) => {
        const alarms = view.alarms;
        if (!alarms?.setOutOfService) return none(reply);
        const c = comment(req.body);
        if (c === undefined) return bad(reply, 'comment must be text of at most 1000 characters');
        if (on && !c) return bad(reply, 'taking an alarm out of service needs a comment (why)');
        return answer(reply, alarms.setOutOfService(req.params.id, on, actorOf(req), c));
      },
    );
  }
}
