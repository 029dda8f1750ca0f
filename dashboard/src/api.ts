import { shared } from './store.js';

/**
 * Calls to the gateway. The session cookie is HttpOnly (the page never sees it); the CSRF token
 * comes from /api/auth/me or the login answer and goes back in x-csrf-token on every change.
 * A 404 of another part's route (production, alarms not installed yet) is "not available".
 */
export type Role = 'operator' | 'manager' | 'technician' | 'admin';
export interface Me {
  user: { name: string; role: Role } | null;
  csrf: string | null;
  kiosk: boolean;
  setup: boolean;
}

export const me = shared<Me>({ user: null, csrf: null, kiosk: false, setup: false });
export const NOT_AVAILABLE = Symbol('not-available');

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(method: string, url: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  const csrf = me.get().csrf;
  if (method !== 'GET' && csrf) headers['x-csrf-token'] = csrf;
  const res = await fetch(url, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const d = (data ?? {}) as { code?: string; message?: string };
    if (res.status === 401 && me.get().user) void refreshMe();
    throw new ApiError(res.status, d.code ?? `HTTP_${res.status}`, d.message ?? res.statusText);
  }
  return data as T;
}

export const get = <T>(url: string) => call<T>('GET', url);
export const post = <T>(url: string, body: unknown = {}) => call<T>('POST', url, body);
export const put = <T>(url: string, body: unknown) => call<T>('PUT', url, body);
export const del = <T>(url: string) => call<T>('DELETE', url);

/** GET of another branch's route: a 404 means the part is not there (yet). */
export async function getOptional<T>(url: string): Promise<T | typeof NOT_AVAILABLE> {
  try {
    return await get<T>(url);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return NOT_AVAILABLE;
    throw e;
  }
}

export async function refreshMe(): Promise<Me> {
  const m = await get<Me>('/api/auth/me');
  me.set(m);
  return m;
}

export async function login(name: string, password: string): Promise<void> {
  const r = await post<{ user: Me['user']; csrf: string }>('/api/auth/login', { name, password });
  me.set({ ...me.get(), user: r.user, csrf: r.csrf });
}

export async function logout(): Promise<void> {
  try {
    await post('/api/auth/logout');
  } finally {
    await refreshMe();
  }
}

export function can(...roles: Role[]): boolean {
  const u = me.get().user;
  return u !== null && roles.includes(u.role);
}
