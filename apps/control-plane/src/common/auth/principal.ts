import { createHash } from 'node:crypto';

/**
 * Who is calling. Every non-admin token is its own tenant, keyed by sha256(token) so the token itself
 * is never stored. The admin sees every tenant; what the admin creates belongs to the admin's own key.
 */
export interface Principal {
  tenantKey: string;
  isAdmin: boolean;
  /** Public, stable id of the caller, shown as `creator.uid` on runs (never the token or its full hash). */
  creatorUid: string;
}

export function tenantKeyOf(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function principalFor(token: string, isAdmin: boolean): Principal {
  const tenantKey = tenantKeyOf(token);
  return { tenantKey, isAdmin, creatorUid: isAdmin ? 'admin' : `tenant_${tenantKey.slice(0, 16)}` };
}

/** Owner filter for queries: undefined means "every tenant" (admin). */
export function ownerScope(principal: Principal): string | undefined {
  return principal.isAdmin ? undefined : principal.tenantKey;
}
