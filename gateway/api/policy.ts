/**
 * Who may call a route. Every route declares one in its options, `config: { policy }`; the
 * auth layer denies a route that has none (deny by default), and a test walks every route ×
 * every role.
 *
 *   { public: true }        anyone, no session (login, health probes)
 *   { read: true }          any signed-in user; anonymous too when kiosk read access is on
 *   { roles: [...] }        signed-in users holding one of these roles
 *
 * State-changing routes (POST, PUT, DELETE) always name their roles.
 */
export const ROLES = ['operator', 'manager', 'technician', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export type RoutePolicy =
  | { readonly public: true }
  | { readonly read: true }
  | { readonly roles: readonly Role[] };

/** The signed-in user, set on the request by the auth layer (absent for anonymous). */
export interface RequestUser {
  readonly name: string;
  readonly role: Role;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    policy?: RoutePolicy;
  }
  interface FastifyRequest {
    user?: RequestUser;
  }
}

export const PUBLIC: RoutePolicy = { public: true };
export const READ: RoutePolicy = { read: true };

/** The name written to the audit trail for a request. */
export function actorOf(req: { user?: RequestUser }): string {
  return req.user?.name ?? 'anonymous';
}
