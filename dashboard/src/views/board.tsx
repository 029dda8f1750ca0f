import { useEffect, useMemo, useState } from 'preact/hooks';
import { me } from '../api.js';
import { fmtAgo, fmtNum, STATE_TEXT, useT } from '../i18n.js';
import { isStale, live } from '../live.js';
import { countPoint, type Machine, machineState, mainPoint, productOf, RateMeter } from '../machine.js';
import { useShared } from '../store.js';
import { StopReasonDialog } from './stop-reason.js';

export interface LineInfo {
  id: string;
  name: string;
  label?: { vi: string; en: string };
}

function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

function Tile({ m, rate, now, onPick }: { m: Machine; rate: number | null; now: number; onPick(): void }) {
  const { t, l, loc } = useT();
  const state = machineState(m);
  const main = mainPoint(m);
  const count = countPoint(m);
  const product = productOf(m, l);
  const alarms = m.alarms?.active ?? 0;
  return (
    <button type="button" class={`tile st-${state}`} data-machine={m.id} onClick={onPick}>
      <div class="tile-head">
        <span class="tile-name">{m.name}</span>
        {alarms > 0 && (
          <span
            class={`badge sev-${m.alarms?.highestSeverity ?? 3}${(m.alarms?.unacked ?? 0) > 0 ? ' unacked' : ''}`}
            data-unacked={m.alarms?.unacked ?? 0}
            title={t('activeAlarms')}
          >
            ⚠ {alarms}
          </span>
        )}
      </div>
      <div class="tile-state" data-state={state}>
        {loc(STATE_TEXT[state] ?? STATE_TEXT.unknown)}
        {m.fault ? <small> — {loc(m.fault.text)}</small> : null}
      </div>
      <dl class="tile-facts">
        {main && (
          <div>
            <dt>{loc(main.label) || main.name}</dt>
            <dd class="val" data-point={main.name}>
              {typeof main.value === 'number' ? fmtNum(main.value, 1, l) : String(main.value ?? '—')}{' '}
              {main.unit ?? ''}
            </dd>
          </div>
        )}
        <div>
          <dt>{t('product')}</dt>
          <dd>{product ?? '—'}</dd>
        </div>
        <div>
          <dt>{t('rate')}</dt>
          <dd>{rate === null ? '—' : `${fmtNum(rate, 1, l)} ${t('perMin')}`}</dd>
        </div>
        <div>
          <dt>{t('todayCount')}</dt>
          <dd class="count">
            {m.today ? fmtNum(m.today.good, 0, l) : count && typeof count.value === 'number' ? '—' : '—'}
          </dd>
        </div>
        <div>
          <dt>{t('todayKg')}</dt>
          <dd>{m.today ? `${fmtNum(m.today.kg, 1, l)} kg` : '—'}</dd>
        </div>
      </dl>
      <div class="tile-foot">
        {t('lastData')}: {fmtAgo(m.lastPollTs, now, l)}
      </div>
    </button>
  );
}

export function Board({ lines, kiosk }: { lines: LineInfo[]; kiosk: boolean }) {
  const { t, loc } = useT();
  const l = useShared(live);
  const session = useShared(me);
  const now = useNow();
  const meter = useMemo(() => new RateMeter(), []);
  const [pick, setPick] = useState<Machine | null>(null);
  useEffect(() => meter.update(l.machines), [l, meter]);
  const stale = isStale(l, now);
  const groups = lines
    .map((ln) => ({ ln, machines: l.machines.filter((m) => m.line === ln.id) }))
    .filter((g) => g.machines.length > 0);
  const known = new Set(lines.map((x) => x.id));
  const other = l.machines.filter((m) => !known.has(m.line));
  if (other.length) groups.push({ ln: { id: '?', name: '—' }, machines: other });
  return (
    <section class={`board${kiosk ? ' kiosk' : ''}`}>
      <div class={`livebar ${stale ? 'stale' : 'ok'}`} role="status" data-stale={String(stale)}>
        {stale ? t('stale') : t('live')}
        {!kiosk && (
          <button
            type="button"
            class="link"
            onClick={() => {
              location.hash = '#/board?kiosk';
              void document.documentElement.requestFullscreen?.().catch(() => undefined);
            }}
          >
            {t('fullscreen')}
          </button>
        )}
      </div>
      {l.machines.length === 0 && <p class="empty">{t('noData')}</p>}
      {groups.map((g) => (
        <div class="line" key={g.ln.id}>
          <h2>{loc(g.ln.label) || g.ln.name}</h2>
          <div class="tiles">
            {g.machines.map((m) => (
              <Tile key={m.id} m={m} rate={meter.perMinute(m.id)} now={now} onPick={() => setPick(m)} />
            ))}
          </div>
        </div>
      ))}
      {pick && session.user && <StopReasonDialog machine={pick} onClose={() => setPick(null)} />}
    </section>
  );
}
