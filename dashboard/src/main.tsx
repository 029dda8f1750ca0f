import 'uplot/dist/uPlot.min.css';
import './style.css';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { get, logout, me, refreshMe } from './api.js';
import { ROLE_TEXT, setLang, timeZone, useT } from './i18n.js';
import { connectLive, reconnectLive } from './live.js';
import { useShared } from './store.js';
import { Admin } from './views/admin.js';
import { Board, type LineInfo } from './views/board.js';
import { Login } from './views/login.js';
import { MachinePage } from './views/machine-page.js';
import { Manager } from './views/manager.js';
import { Technician } from './views/technician.js';

interface Site {
  id: string;
  name: string;
  timezone: string;
  lines: LineInfo[];
}

function useHash(): string {
  const [h, setH] = useState(location.hash || '#/board');
  useEffect(() => {
    const on = () => setH(location.hash || '#/board');
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return h;
}

function App() {
  const { t, l, loc } = useT();
  const session = useShared(me);
  const hash = useHash();
  const [site, setSite] = useState<Site | null>(null);
  const [ready, setReady] = useState(false);
  const user = session.user;
  const canRead = user !== null || session.kiosk;
  useEffect(() => {
    void refreshMe().finally(() => setReady(true));
  }, []);
  useEffect(() => {
    if (!canRead) return;
    connectLive();
    void get<Site>('/api/site')
      .then((s) => {
        timeZone.set(s.timezone);
        setSite(s);
      })
      .catch(() => undefined);
  }, [canRead]);
  const [path, query = ''] = hash.slice(1).split('?');
  const kiosk = query.includes('kiosk');
  const role = user?.role;
  const nav: [string, string, boolean][] = [
    ['#/board', t('board'), canRead],
    ['#/manager', t('manager'), role === 'manager' || role === 'admin'],
    ['#/tech', t('technician'), role === 'technician' || role === 'admin' || role === 'manager'],
    ['#/admin', t('admin'), role === 'admin' || role === 'manager'],
  ];
  let view = null;
  if (!ready) view = null;
  else if (!canRead || path === '/login') view = <Login setup={session.setup} />;
  else if (path === '/manager') view = <Manager />;
  else if (path === '/tech') view = <Technician />;
  else if (path?.startsWith('/machine/')) view = <MachinePage id={decodeURIComponent(path.slice(9))} />;
  else if (path === '/admin') view = <Admin />;
  else view = <Board lines={site?.lines ?? []} kiosk={kiosk} />;
  return (
    <div class={`app${kiosk ? ' kiosk' : ''}`}>
      {!kiosk && (
        <header>
          <strong class="site">{site?.name ?? 'linegate'}</strong>
          <nav>
            {nav
              .filter(([, , show]) => show)
              .map(([href, label]) => (
                <a key={href} href={href} class={hash.startsWith(href) ? 'on' : ''}>
                  {label}
                </a>
              ))}
          </nav>
          <span class="spacer" />
          <button
            type="button"
            class="lang"
            data-lang={l}
            onClick={() => setLang(l === 'vi' ? 'en' : 'vi')}
            title={t('language')}
          >
            {l === 'vi' ? 'EN' : 'VI'}
          </button>
          {user ? (
            <span class="who">
              {user.name} · {loc(ROLE_TEXT[user.role])}{' '}
              <button
                type="button"
                class="logout"
                onClick={() =>
                  void logout().then(() => {
                    location.hash = '#/board';
                    reconnectLive();
                  })
                }
              >
                {t('logout')}
              </button>
            </span>
          ) : (
            <a class="loginlink" href="#/login">
              {t('login')}
            </a>
          )}
        </header>
      )}
      {kiosk && (
        <a class="kiosk-exit" href="#/board" title="exit">
          ×
        </a>
      )}
      <main>{view}</main>
    </div>
  );
}

const root = document.getElementById('app');
if (root) {
  document.documentElement.lang = localStorage.getItem('lg-lang') === 'en' ? 'en' : 'vi';
  root.textContent = '';
  render(<App />, root);
}
