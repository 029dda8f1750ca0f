import { useEffect, useState } from 'preact/hooks';
import { get } from '../api.js';
import { Chart } from '../chart.js';
import { COMM_TEXT, fmtAgo, fmtNum, fmtTime, STATE_TEXT, useT } from '../i18n.js';
import { live } from '../live.js';
import { machineState } from '../machine.js';
import { useShared } from '../store.js';

const RANGES: [string, number][] = [
  ['1 h', 3_600_000],
  ['8 h', 8 * 3_600_000],
  ['24 h', 24 * 3_600_000],
  ['7 d', 7 * 86_400_000],
];

interface History {
  resolution: string;
  points: { ts: number; value: number | null }[];
}

/** One machine: every point now, a trend of any numeric point, and comm stats. */
export function MachinePage({ id }: { id: string }) {
  const { t, l, loc } = useT();
  const lv = useShared(live);
  const m = lv.machines.find((x) => x.id === id);
  const numeric = m?.points.filter((p) => typeof p.value === 'number' || p.value === null) ?? [];
  const [point, setPoint] = useState<string | null>(null);
  const [range, setRange] = useState(RANGES[0]?.[1] ?? 3_600_000);
  const [hist, setHist] = useState<History | null>(null);
  const [err, setErr] = useState('');
  const chosen = point ?? numeric[0]?.name ?? null;
  useEffect(() => {
    if (!chosen) return;
    const to = Date.now();
    get<History>(
      `/api/history?machine=${encodeURIComponent(id)}&point=${encodeURIComponent(chosen)}&from=${to - range}&to=${to}&maxPoints=600`,
    )
      .then((h) => {
        setErr('');
        setHist(h);
      })
      .catch((e: Error) => setErr(e.message));
  }, [id, chosen, range]);
  if (!m) return <p>{t('noData')}</p>;
  const chosenPoint = m.points.find((p) => p.name === chosen);
  const unit = chosenPoint?.unit ?? undefined;
  return (
    <section class="machine-page">
      <h2>
        {m.name} — {loc(STATE_TEXT[machineState(m)] ?? STATE_TEXT.unknown)}
      </h2>
      <div class="toolbar">
        <label>
          {t('point')}{' '}
          <select name="point" value={chosen ?? ''} onChange={(e) => setPoint(e.currentTarget.value)}>
            {numeric.map((p) => (
              <option key={p.name} value={p.name}>
                {loc(p.label) || p.name}
              </option>
            ))}
          </select>
        </label>
        {RANGES.map(([label, ms]) => (
          <button type="button" key={label} class={ms === range ? 'on' : ''} onClick={() => setRange(ms)}>
            {label}
          </button>
        ))}
      </div>
      {err && <p class="error">{err}</p>}
      <div class="trend" data-points={hist?.points.length ?? 0} data-resolution={hist?.resolution ?? ''}>
        {hist && hist.points.length > 0 ? (
          <Chart
            x={hist.points.map((p) => p.ts / 1000)}
            series={[
              {
                label: loc(chosenPoint?.label) || (chosen ?? ''),
                color: '#4aa3df',
                values: hist.points.map((p) => p.value),
              },
            ]}
            unit={unit}
            dates={range > 86_400_000}
          />
        ) : (
          <p>{t('noData')}</p>
        )}
      </div>
      <div class="cols">
        <table class="data">
          <thead>
            <tr>
              <th>{t('point')}</th>
              <th>{t('value')}</th>
              <th>{t('lastData')}</th>
            </tr>
          </thead>
          <tbody>
            {m.points.map((p) => (
              <tr key={p.name} class={`q-${p.quality}`}>
                <td>{loc(p.label) || p.name}</td>
                <td class="num">
                  {typeof p.value === 'number'
                    ? fmtNum(p.value, 2, l)
                    : typeof p.value === 'boolean'
                      ? t(p.value ? 'yes' : 'no')
                      : String(p.value ?? '—')}{' '}
                  {p.unit ?? ''}
                </td>
                <td>{fmtTime(p.ts, false, l)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <table class="data comm">
          <caption>{t('comm')}</caption>
          <tbody>
            {Object.entries(m.comm ?? {}).map(([k, v]) => (
              <tr key={k}>
                <td>{COMM_TEXT[k] ? loc(COMM_TEXT[k]) : k}</td>
                <td class="num">
                  {typeof v === 'number'
                    ? k.endsWith('Ts')
                      ? fmtAgo(v, Date.now(), l)
                      : fmtNum(v, k.endsWith('Ms') ? 1 : 0, l)
                    : v === null
                      ? '—'
                      : typeof v === 'object'
                        ? String((v as { message?: string }).message ?? JSON.stringify(v))
                        : String(v)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
