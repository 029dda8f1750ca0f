import type { FastifyInstance, FastifyReply } from 'fastify';
import { isLinegateError } from '../core/errors.js';
import { rowsCsv } from '../production/csv.js';
import type { ProductionService } from '../production/service.js';
import { isDateText } from '../production/zoned-time.js';
import { actorOf, READ, type RoutePolicy } from './policy.js';
import type { GatewayView } from './view.js';

/**
 * Production API (BRIEF contract): daily/shift/hourly/day-range tables, stops and their reasons,
 * products, CSV exports. Reads are READ; reasons may be entered by operators, managers and
 * admins; products chosen by managers and admins. Errors are `{ code, message }`.
 */
const REASON_POLICY: RoutePolicy = { roles: ['operator', 'manager', 'admin'] };
const PRODUCT_POLICY: RoutePolicy = { roles: ['manager', 'admin'] };
const MAX_DAYS = 366;

type Query = Record<string, string | undefined>;

function bad(reply: FastifyReply, message: string) {
  return reply.code(400).send({ code: 'LG_BAD_REQUEST', message });
}

function fail(reply: FastifyReply, err: unknown) {
  if (isLinegateError(err, 'LG_NOT_FOUND'))
    return reply.code(404).send({ code: err.code, message: err.message });
  if (isLinegateError(err, 'LG_BAD_REQUEST'))
    return reply.code(400).send({ code: err.code, message: err.message });
  throw err;
}

/** Parses `date` (default: today's production day); null = invalid. */
function dateOf(p: ProductionService, q: Query, key = 'date'): string | null {
  const d = q[key];
  if (d === undefined || d === '') return p.today();
  return isDateText(d) ? d : null;
}

function daySpan(from: string, to: string): number {
  return (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000;
}

export function registerProductionRoutes(app: FastifyInstance, view: GatewayView): void {
  const prod = (reply: FastifyReply): ProductionService | null => {
    if (view.production) return view.production;
    void reply.code(404).send({ code: 'LG_NOT_FOUND', message: 'production is not running on this gateway' });
    return null;
  };
  const dateRoute = <T>(
    path: string,
    fn: (p: ProductionService, date: string, q: Query, reply: FastifyReply) => T,
  ) =>
    app.get<{ Querystring: Query }>(path, { config: { policy: READ } }, async (req, reply) => {
      const p = prod(reply);
      if (!p) return reply;
      const date = dateOf(p, req.query);
      if (date === null) return bad(reply, `date must be YYYY-MM-DD, got "${req.query.date}"`);
      try {
        return fn(p, date, req.query, reply);
      } catch (err) {
        return fail(reply, err);
      }
    });

  dateRoute('/api/production/daily', (p, date) => p.daily(date));
  dateRoute('/api/production/shifts', (p, date) => p.shifts(date));
  dateRoute('/api/production/hourly', (p, date, q, reply) => {
    if (!q.machine) return bad(reply, 'machine is required');
    return p.hourly(q.machine, date);
  });
  dateRoute('/api/production/stops', (p, date, q) => p.stops(date, q.machine || undefined));
  dateRoute('/api/production/daily.csv', (p, date, _q, reply) => {
    const d = p.daily(date);
    const rows = [...d.machines, ...d.lines].map((r) => ({ ...r, date }));
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="production-${date}.csv"`)
      .send(rowsCsv(rows, ['date']));
  });
  dateRoute('/api/production/shifts.csv', (p, date, _q, reply) => {
    const rows = p
      .shifts(date)
      .shifts.flatMap((s) => [...s.machines, ...s.lines].map((r) => ({ ...r, date, shift: s.id })));
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="production-shifts-${date}.csv"`)
      .send(rowsCsv(rows, ['date', 'shift']));
  });

  app.get<{ Querystring: Query }>(
    '/api/production/days',
    { config: { policy: READ } },
    async (req, reply) => {
      const p = prod(reply);
      if (!p) return reply;
      const to = dateOf(p, req.query, 'to');
      if (to === null) return bad(reply, 'to must be YYYY-MM-DD');
      const from = req.query.from ? (isDateText(req.query.from) ? req.query.from : null) : null;
      const start = req.query.from === undefined ? addDaysText(to, -6) : from;
      if (start === null) return bad(reply, 'from must be YYYY-MM-DD');
      const span = daySpan(start, to);
      if (span < 0 || span >= MAX_DAYS) return bad(reply, `need from <= to and at most ${MAX_DAYS} days`);
      return p.days(start, to);
    },
  );

  app.get(
    '/api/production/reasons',
    { config: { policy: READ } },
    async (_req, reply) => prod(reply)?.reasons() ?? reply,
  );
  app.get(
    '/api/production/products',
    { config: { policy: READ } },
    async (_req, reply) => prod(reply)?.products() ?? reply,
  );

  app.post<{ Params: { id: string }; Body: unknown }>(
    '/api/production/stops/:id/reason',
    { config: { policy: REASON_POLICY } },
    async (req, reply) => {
      const p = prod(reply);
      if (!p) return reply;
      const body = (req.body ?? {}) as Record<string, unknown>;
      if (typeof body.reason !== 'string' || body.reason === '')
        return bad(reply, 'body needs { reason: "<code>" }');
      if (body.comment !== undefined && (typeof body.comment !== 'string' || body.comment.length > 500))
        return bad(reply, 'comment must be text of at most 500 characters');
      let splitAt: number | undefined;
      if (body.splitAt !== undefined) {
        splitAt = typeof body.splitAt === 'number' ? body.splitAt : Date.parse(String(body.splitAt));
        if (!Number.isFinite(splitAt)) return bad(reply, 'splitAt must be epoch ms or an ISO time');
      }
      try {
        return p.assignReason(
          req.params.id,
          {
            reason: body.reason,
            ...(typeof body.comment === 'string' ? { comment: body.comment } : {}),
            ...(splitAt !== undefined ? { splitAt } : {}),
          },
          actorOf(req),
        );
      } catch (err) {
        return fail(reply, err);
      }
    },
  );

  app.post<{ Params: { id: string }; Body: unknown }>(
    '/api/machines/:id/product',
    { config: { policy: PRODUCT_POLICY } },
    async (req, reply) => {
      const p = prod(reply);
      if (!p) return reply;
      const body = (req.body ?? {}) as Record<string, unknown>;
      if (typeof body.product !== 'string' || body.product === '')
        return bad(reply, 'body needs { product: "<id>" }');
      try {
        return p.selectProduct(req.params.id, body.product, actorOf(req));
      } catch (err) {
        return fail(reply, err);
      }
    },
  );
}

function addDaysText(date: string, n: number): string {
  const t = new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000);
  return t.toISOString().slice(0, 10);
}
