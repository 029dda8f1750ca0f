import { useEffect, useState } from 'preact/hooks';
import { getOptional, NOT_AVAILABLE } from '../api.js';
import { Chart } from '../chart.js';
import { fmtNum, fmtPct, fmtTime, type LocalText, siteDate, useT } from '../i18n.js';

/** The production part's row (contract in the brief). */
export interface Row {
  machine?: string;
  line: string;
  name: string;
  product?: string;
  good: number;
  reject: number;
  kg: number;
  targetKg: number;
  runS: number;
  downS: number;
  availability: number;
  performance: number;
  quality: number;
  oee: number;
  flags: string[];
}
interface Daily {
  date: string;
  machines: Row[];
  lines: Row[];
}
interface Shifts {
  shifts: {
    id: string;
    name: string | LocalText;
    start: string | number;
    end: string | number;
    machines: Row[];
    lines: Row[];
  }[];
}
interface Days {
  days: { date: string; machines: Row[] }[];
}

type Maybe<T> = T | typeof NOT_AVAILABLE | null;

function addDays(date: string, n: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

function Bar({ value, target }: { value: number; target: number }) {
  const pct = target > 0 ? Math.min(100, (value / target) * 100) : 0;
  return (
    <div class="progress" title={`${Math.round(pct)}%`}>
      <div style={{ width: `${pct}%` }} />
    </div>
  );
}

function RowsTable({ rows, first }: { rows: Row[]; first: string }) {
  const { t, l } = useT();
  return (
    <table class="data">
      <thead>
        <tr>
          <th>{first}</th>
          <th>{t('output')}</th>
          <th>{t('target')}</th>
          <th />
          <th>{t('good')}</th>
          <th>{t('reject')}</th>
          <th>{t('oee')}</th>
          <th>{t('availability')}</th>
          <th>{t('performance')}</th>
          <th>{t('quality')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.machine ?? r.line} data-row={r.machine ?? r.line}>
            <td>{r.name}</td>
            <td class="num kg">{fmtNum(r.kg, 1, l)}</td>
            <td class="num">{fmtNum(r.targetKg, 0, l)}</td>
            <td>
              <Bar value={r.kg} target={r.targetKg} />
            </td>
            <td class="num">{fmtNum(r.good, 0, l)}</td>
            <td class="num">{fmtNum(r.reject, 0, l)}</td>
            <td class="num">{fmtPct(r.oee, l)}</td>
            <td class="num">{fmtPct(r.availability, l)}</td>
            <td class="num">{fmtPct(r.performance, l)}</td>
            <td class="num">{fmtPct(r.quality, l)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Manager() {
  const { t, loc } = useT();
  const [date, setDate] = useState(siteDate());
  const [span, setSpan] = useState(7);
  const [daily, setDaily] = useState<Maybe<Daily>>(null);
  const [shifts, setShifts] = useState<Maybe<Shifts>>(null);
  const [days, setDays] = useState<Maybe<Days>>(null);
  const [err, setErr] = useState('');
  useEffect(() => {
    setErr('');
    Promise.all([
      getOptional<Daily>(`/api/production/daily?date=${date}`).then(setDaily),
      getOptional<Shifts>(`/api/production/shifts?date=${date}`).then(setShifts),
    ]).catch((e: Error) => setErr(e.message));
  }, [date]);
  useEffect(() => {
    getOptional<Days>(`/api/production/days?from=${addDays(date, 1 - span)}&to=${date}`)
      .then(setDays)
      .catch((e: Error) => setErr(e.message));
  }, [date, span]);
  const na = <p class="na">{t('notAvailable')}</p>;
  const chart = days && days !== NOT_AVAILABLE && days.days.length > 0 && (
    <Chart
      bars
      dates
      unit="kg"
      x={days.days.map((d) => Date.parse(`${d.date}T00:00:00Z`) / 1000)}
      series={[
        {
          label: t('output'),
          color: '#3fa34d',
          values: days.days.map((d) => d.machines.reduce((s, r) => s + r.kg, 0)),
        },
      ]}
    />
  );
  return (
    <section class="manager">
      <div class="toolbar">
        <label>
          {t('date')}{' '}
          <input type="date" value={date} onChange={(e) => setDate(e.currentTarget.value || siteDate())} />
        </label>
        <a class="button" href={`/api/production/daily.csv?date=${date}`} download>
          {t('exportCsv')} ({t('todayKg')})
        </a>
        <a class="button" href={`/api/production/shifts.csv?date=${date}`} download>
          {t('exportCsv')} ({t('shift')})
        </a>
      </div>
      {err && <p class="error">{err}</p>}
      <h2>{t('todayKg')}</h2>
      {daily === NOT_AVAILABLE
        ? na
        : daily && <RowsTable rows={[...daily.lines, ...daily.machines]} first={t('machine')} />}
      <h2>{t('shiftReport')}</h2>
      {shifts === NOT_AVAILABLE
        ? na
        : shifts?.shifts.map((s) => (
            <div key={s.id}>
              <h3>
                {typeof s.name === 'string' ? s.name : loc(s.name)} ({fmtTime(s.start)}–{fmtTime(s.end)})
              </h3>
              <RowsTable rows={[...s.lines, ...s.machines]} first={t('machine')} />
            </div>
          ))}
      <h2>
        {t('output')} —{' '}
        <button type="button" class={span === 7 ? 'on' : ''} onClick={() => setSpan(7)}>
          {t('days7')}
        </button>{' '}
        <button type="button" class={span === 30 ? 'on' : ''} onClick={() => setSpan(30)}>
          {t('days30')}
        </button>
      </h2>
      {days === NOT_AVAILABLE ? na : chart}
    </section>
  );
}
