import { useEffect, useState } from 'preact/hooks';
import { ApiError, getOptional, NOT_AVAILABLE, post } from '../api.js';
import { fmtNum, fmtTime, type LocalText, SEVERITY_TEXT, STATE_TEXT, useT } from '../i18n.js';
import { alarmsVersion, live } from '../live.js';
import { machineState } from '../machine.js';
import { useShared } from '../store.js';

/** The alarms part's alarm (contract in the brief). */
interface Alarm {
  id: string;
  machine: string;
  line: string;
  rule: string;
  severity: number;
  state: string;
  message: LocalText;
  value: number | null;
  limit: number | null;
  unit: string | null;
  activatedAt: number;
  ackedAt: number | null;
  ackedBy: string | null;
  comment: string | null;
  shelvedUntil: number | null;
}

function AlarmRow({ a, onDone }: { a: Alarm; onDone(): void }) {
  const { t, l, loc } = useT();
  const [comment, setComment] = useState('');
  const [err, setErr] = useState('');
  const act = async (what: 'ack' | 'shelve' | 'unshelve') => {
    try {
      const body = what === 'shelve' ? { minutes: 60, comment } : what === 'ack' ? { comment } : {};
      await post(`/api/alarms/${encodeURIComponent(a.id)}/${what}`, body);
      setComment('');
      onDone();
    } catch (e) {
      setErr(e instanceof ApiError && e.status === 403 ? t('forbidden') : (e as Error).message);
    }
  };
  return (
    <tr class={`alarm sev-${a.severity} ${a.state}`} data-alarm={a.id}>
      <td>{loc(SEVERITY_TEXT[a.severity])}</td>
      <td>{a.machine}</td>
      <td>
        {loc(a.message)}
        {a.value !== null && (
          <small>
            {' '}
            ({fmtNum(a.value, 1, l)} {a.unit ?? ''} / {fmtNum(a.limit, 1, l)})
          </small>
        )}
      </td>
      <td>{fmtTime(a.activatedAt, true, l)}</td>
      <td class="alarm-state">
        {a.ackedAt ? `${t('acked')} (${a.ackedBy ?? ''})` : t('unacked')}
        {a.comment ? <div class="muted">{a.comment}</div> : null}
      </td>
      <td class="actions">
        <input
          placeholder={t('comment')}
          value={comment}
          onInput={(e) => setComment(e.currentTarget.value)}
        />
        {!a.ackedAt && (
          <button type="button" class="ack" onClick={() => void act('ack')}>
            {t('ack')}
          </button>
        )}
        {a.shelvedUntil ? (
          <button type="button" onClick={() => void act('unshelve')}>
            {t('unshelve')}
          </button>
        ) : (
          <button type="button" onClick={() => void act('shelve')}>
            {t('shelve')}
          </button>
        )}
        {err && <div class="error">{err}</div>}
      </td>
    </tr>
  );
}

export function Technician() {
  const { t, l, loc } = useT();
  const lv = useShared(live);
  const [active, setActive] = useState<Alarm[] | typeof NOT_AVAILABLE | null>(null);
  const [history, setHistory] = useState<Alarm[] | typeof NOT_AVAILABLE | null>(null);
  const [tick, setTick] = useState(0);
  const changed = useShared(alarmsVersion);
  useEffect(() => {
    const load = () =>
      Promise.all([
        getOptional<{ alarms: Alarm[] }>('/api/alarms?state=active').then((r) =>
          setActive(r === NOT_AVAILABLE ? r : r.alarms),
        ),
        getOptional<{ alarms: Alarm[] }>(
          `/api/alarms/history?from=${Date.now() - 7 * 86_400_000}&to=${Date.now()}`,
        ).then((r) => setHistory(r === NOT_AVAILABLE ? r : r.alarms)),
      ]).catch(() => undefined);
    void load();
    const timer = setInterval(load, 5000);
    return () => clearInterval(timer);
  }, [tick, changed]);
  const na = <p class="na">{t('notAvailable')}</p>;
  return (
    <section class="technician">
      <h2>{t('activeAlarms')}</h2>
      {active === NOT_AVAILABLE ? (
        na
      ) : active && active.length === 0 ? (
        <p>{t('noData')}</p>
      ) : (
        <table class="data alarms">
          <tbody>
            {active?.map((a) => (
              <AlarmRow key={a.id} a={a} onDone={() => setTick(tick + 1)} />
            ))}
          </tbody>
        </table>
      )}
      <h2>{t('machines')}</h2>
      <table class="data">
        <thead>
          <tr>
            <th>{t('machine')}</th>
            <th>{t('line')}</th>
            <th />
            <th>{t('requests')}</th>
            <th>{t('errors')}</th>
            <th>{t('timeouts')}</th>
            <th>{t('latency')} p95</th>
          </tr>
        </thead>
        <tbody>
          {lv.machines.map((m) => {
            const c = (m.comm ?? {}) as Record<string, number | null>;
            return (
              <tr key={m.id}>
                <td>
                  <a href={`#/machine/${encodeURIComponent(m.id)}`}>{m.name}</a>
                </td>
                <td>{m.line}</td>
                <td>{loc(STATE_TEXT[machineState(m)] ?? STATE_TEXT.unknown)}</td>
                <td class="num">{fmtNum(c.requests ?? c.messages, 0, l)}</td>
                <td class="num">{fmtNum(c.errors ?? c.rejected, 0, l)}</td>
                <td class="num">{fmtNum(c.timeouts, 0, l)}</td>
                <td class="num">
                  {c.latencyP95Ms === undefined ? '—' : `${fmtNum(c.latencyP95Ms, 0, l)} ms`}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <h2>{t('alarmHistory')}</h2>
      {history === NOT_AVAILABLE ? (
        na
      ) : (
        <table class="data">
          <tbody>
            {history?.slice(0, 200).map((a) => (
              <tr key={`${a.id}-${a.activatedAt}`}>
                <td>{fmtTime(a.activatedAt, true, l)}</td>
                <td>{a.machine}</td>
                <td>{loc(a.message)}</td>
                <td>{a.state}</td>
                <td>{a.ackedBy ?? ''}</td>
                <td>{a.comment ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
