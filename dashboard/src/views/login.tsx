import { useState } from 'preact/hooks';
import { ApiError, login, post, refreshMe } from '../api.js';
import { useT } from '../i18n.js';
import { reconnectLive } from '../live.js';

export function Login({ setup }: { setup: boolean }) {
  const { t } = useT();
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [token, setToken] = useState('');
  const [err, setErr] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    setErr('');
    try {
      if (setup) {
        await post('/api/auth/setup', { token, name, password });
        await refreshMe();
      }
      await login(name, password);
      reconnectLive();
      location.hash = '#/board';
    } catch (x) {
      const status = x instanceof ApiError ? x.status : 0;
      setErr(status === 429 ? t('tooMany') : status === 401 ? t('signInFailed') : (x as Error).message);
    }
  };
  return (
    <form class="login" onSubmit={(e) => void submit(e)}>
      <h2>{t('login')}</h2>
      {setup && (
        <label>
          Setup token
          <input
            name="token"
            value={token}
            onInput={(e) => setToken(e.currentTarget.value)}
            autocomplete="off"
          />
        </label>
      )}
      <label>
        {t('user')}
        <input
          name="name"
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
          autocomplete="username"
          autocapitalize="off"
          required
        />
      </label>
      <label>
        {t('password')}
        <input
          name="password"
          type="password"
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
          autocomplete="current-password"
          required
        />
      </label>
      <button type="submit">{t('login')}</button>
      {err && (
        <p class="error" role="alert">
          {err}
        </p>
      )}
    </form>
  );
}
