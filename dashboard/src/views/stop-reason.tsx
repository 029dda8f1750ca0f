import { useEffect, useState } from 'preact/hooks';
import { ApiError, getOptional, NOT_AVAILABLE, post } from '../api.js';
import { fmtNum, fmtTime, type LocalText, siteDate, useT } from '../i18n.js';
import type { Machine } from '../machine.js';

interface Stop {
  id: string;
  machine: string;
  start: number;
  end: number | null;
  durationS: number;
  reason: ({ code: string } & LocalText) | null;
}
interface Reason {
  code: string;
  vi: string;
  en: string;
}

/** The operator enters why a machine stopped (production part's stops and reasons). */
export function StopReasonDialog({ machine, onClose }: { machine: Machine; onClose(): void }) {
  const { t, l, loc } = useT();
  const [stops, setStops] = useState<Stop[] | null | typeof NOT_AVAILABLE>(null);
  const [reasons, setReasons] = useState<Reason[]>([]);
  const [msg, setMsg] = useState('');
  useEffect(() => {
    void (async () => {
      const s = await getOptional<{ stops: Stop[] }>(
        `/api/production/stops?date=${siteDate()}&machine=${encodeURIComponent(machine.id)}`,
      );
      setStops(s === NOT_AVAILABLE ? s : s.stops);
      const r = await getOptional<{ reasons: Reason[] } | Reason[]>('/api/production/reasons');
      if (r !== NOT_AVAILABLE) setReasons(Array.isArray(r) ? r : r.reasons);
    })().catch((e: Error) => setMsg(e.message));
  }, [machine.id]);
  const choose = async (stop: Stop, code: string) => {
    try {
      await post(`/api/production/stops/${encodeURIComponent(stop.id)}/reason`, { reason: code });
      onClose();
    } catch (e) {
      setMsg(e instanceof ApiError && e.status === 403 ? t('forbidden') : (e as Error).message);
    }
  };
  return (
    <div class="dialog" role="dialog" aria-label={t('stopReason')}>
      <div class="dialog-box">
        <h3>
          {t('enterReason')} — {machine.name}
        </h3>
        {stops === NOT_AVAILABLE && <p class="na">{t('notAvailable')}</p>}
        {Array.isArray(stops) && stops.length === 0 && <p>{t('noData')}</p>}
        {Array.isArray(stops) &&
          stops.map((s) => (
            <div class="stop" key={s.id}>
              <div>
                {fmtTime(s.start)} · {fmtNum(s.durationS / 60, 0, l)} min ·{' '}
                {s.reason ? loc(s.reason) : <em>{t('unexplained')}</em>}
              </div>
              <div class="reasons">
                {reasons.map((r) => (
                  <button type="button" key={r.code} onClick={() => void choose(s, r.code)}>
                    {loc(r)}
                  </button>
                ))}
              </div>
            </div>
          ))}
        {msg && <p class="error">{msg}</p>}
        <button type="button" onClick={onClose}>
          {t('cancel')}
        </button>
      </div>
    </div>
  );
}
