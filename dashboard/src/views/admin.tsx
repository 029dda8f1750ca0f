import { useEffect, useState } from 'preact/hooks';
import { can, del, get, post, put, type Role } from '../api.js';
import { fmtTime, ROLE_TEXT, useT } from '../i18n.js';

interface User {
  name: string;
  role: Role;
}
interface AuditRecord {
  id: number;
  ts: number;
  actor: string;
  action: string;
  target: string;
  result: string;
}
const ROLES: Role[] = ['operator', 'manager', 'technician', 'admin'];

function Users() {
  const { t, loc } = useT();
  const [users, setUsers] = useState<User[]>([]);
  const [form, setForm] = useState({ name: '', password: '', role: 'operator' as Role });
  const [err, setErr] = useState('');
  const load = () =>
    get<{ users: User[] }>('/api/users')
      .then((r) => setUsers(r.users))
      .catch((e: Error) => setErr(e.message));
  useEffect(() => void load(), []);
  const run = (p: Promise<unknown>) =>
    p
      .then(() => {
        setErr('');
        return load();
      })
      .catch((e: Error) => setErr(e.message));
  return (
    <div>
      <h2>{t('users')}</h2>
      <table class="data users">
        <tbody>
          {users.map((u) => (
            <tr key={u.name} data-user={u.name}>
              <td>{u.name}</td>
              <td>
                <select
                  value={u.role}
                  onChange={(e) =>
                    void run(put(`/api/users/${encodeURIComponent(u.name)}`, { role: e.currentTarget.value }))
                  }
                >
                  {ROLES.map((r) => (
                    <option key={r} value={r}>
                      {loc(ROLE_TEXT[r])}
                    </option>
                  ))}
                </select>
              </td>
              <td>
                <button
                  type="button"
                  onClick={() => {
                    if (confirm(`${t('remove')} ${u.name}?`))
                      void run(del(`/api/users/${encodeURIComponent(u.name)}`));
                  }}
                >
                  {t('remove')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          void run(post('/api/users', form).then(() => setForm({ ...form, name: '', password: '' })));
        }}
      >
        <input
          placeholder={t('user')}
          value={form.name}
          onInput={(e) => setForm({ ...form, name: e.currentTarget.value })}
        />
        <input
          type="password"
          placeholder={t('password')}
          value={form.password}
          autocomplete="new-password"
          onInput={(e) => setForm({ ...form, password: e.currentTarget.value })}
        />
        <select value={form.role} onChange={(e) => setForm({ ...form, role: e.currentTarget.value as Role })}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {loc(ROLE_TEXT[r])}
            </option>
          ))}
        </select>
        <button type="submit">{t('add')}</button>
      </form>
      {err && <p class="error">{err}</p>}
    </div>
  );
}

function Audit() {
  const { t, l } = useT();
  const [rows, setRows] = useState<AuditRecord[]>([]);
  useEffect(() => {
    get<{ records: AuditRecord[] }>('/api/audit?limit=200')
      .then((r) => setRows(r.records))
      .catch(() => undefined);
  }, []);
  return (
    <div>
      <h2>{t('audit')}</h2>
      <table class="data audit">
        <thead>
          <tr>
            <th>{t('time')}</th>
            <th>{t('actor')}</th>
            <th>{t('action')}</th>
            <th />
            <th>{t('result')}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id}>
              <td>{fmtTime(r.ts, true, l)}</td>
              <td>{r.actor}</td>
              <td>{r.action}</td>
              <td>{r.target}</td>
              <td>{r.result}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Config() {
  const { t } = useT();
  const [text, setText] = useState('');
  useEffect(() => {
    get<unknown>('/api/config')
      .then((c) => setText(JSON.stringify(c, null, 2)))
      .catch((e: Error) => setText(e.message));
  }, []);
  return (
    <div>
      <h2>{t('config')}</h2>
      <pre class="config">{text}</pre>
    </div>
  );
}

/** Admin: users and roles, the running config (read only); admin and manager: audit trail. */
export function Admin() {
  const admin = can('admin');
  return (
    <section class="admin">
      {admin && <Users />}
      <Audit />
      {admin && <Config />}
    </section>
  );
}
