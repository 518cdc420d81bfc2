import { createHash } from 'node:crypto';

/**
 * Who is calling. Every tenant is keyed by sha256 of its token, so the token itself is never stored
 * (an issued tenant key's stored hash is that same key). The admin sees every tenant; what the admin
 * creates belongs to the admin's own key.
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

export function creatorUidOf(tenantKey: string): string {
  return `tenant_${tenantKey.slice(0, 16)}`;
}

export function principalFor(token: string, isAdmin: boolean): Principal {
  const tenantKey = tenantKeyOf(token);
  return isAdmin ? adminPrincipal(tenantKey) : tenantPrincipal(tenantKey);
}

export function tenantPrincipal(tenantKey: string): Principal {
  return { tenantKey, isAdmin: false, creatorUid: creatorUidOf(tenantKey) };
}

export function adminPrincipal(tenantKey: string): Principal {
  return { tenantKey, isAdmin: true, creatorUid: 'admin' };
}

/** Owner filter for queries: undefined means "every tenant" (admin). */
export function ownerScope(principal: Principal): string | undefined {
  return principal.isAdmin ? undefined : principal.tenantKey;
}
