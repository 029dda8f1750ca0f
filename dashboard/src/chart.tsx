import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { fmtClock, fmtDay, fmtNum, lang } from './i18n.js';

/**
 * A uPlot chart that fills its box and follows its width. `bars` draws columns (kg per day),
 * otherwise a line (trend of a point); x is epoch seconds.
 */
export function Chart(props: {
  x: number[];
  series: { label: string; values: (number | null)[]; color: string }[];
  bars?: boolean;
  height?: number;
  unit?: string;
  dates?: boolean;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const l = lang.get();
    const opts: uPlot.Options = {
      width: Math.max(280, el.clientWidth),
      height: props.height ?? 260,
      scales: { x: { time: true } },
      axes: [
        {
          stroke: '#aaa',
          grid: { stroke: '#333' },
          values: (_u, ticks) => {
            const step = (ticks[1] ?? 0) - (ticks[0] ?? 0);
            return ticks.map((s) => (props.dates ? fmtDay(s * 1000, l) : fmtClock(s * 1000, step < 60, l)));
          },
        },
        {
          stroke: '#aaa',
          grid: { stroke: '#333' },
          values: (_u, ticks) => {
            const step = Math.abs((ticks[1] ?? 0) - (ticks[0] ?? 0)) || 1;
            const digits = Math.min(4, Math.max(0, -Math.floor(Math.log10(step))));
            return ticks.map((v) => fmtNum(v, digits, l));
          },
        },
      ],
      series: [
        {},
        ...props.series.map((s) => ({
          label: s.label + (props.unit ? ` (${props.unit})` : ''),
          stroke: s.color,
          width: 2,
          ...(props.bars ? { fill: s.color, paths: uPlot.paths.bars?.({ size: [0.6, 60] }) } : {}),
          value: (_u: uPlot, v: number | null) => (v === null ? '—' : fmtNum(v, 1, l)),
        })),
      ],
      legend: { show: true, live: false },
    };
    const u = new uPlot(opts, [props.x, ...props.series.map((s) => s.values)] as uPlot.AlignedData, el);
    const ro = new ResizeObserver(() =>
      u.setSize({ width: Math.max(280, el.clientWidth), height: opts.height }),
    );
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
    };
  }, [props]);
  return <div class="chart" ref={box} />;
}
