import { inject } from '@angular/core';
import { Router, type CanActivateFn } from '@angular/router';
import { SessionStore } from './session.store';

/** Pages for signed-in people: others go to the login page, and come back after it. */
export const signedInGuard: CanActivateFn = async (_route, state) => {
  const session = inject(SessionStore);
  const router = inject(Router);
  const next = state.url && state.url !== '/' ? { next: state.url } : {};
  try {
    if (await session.ensureLoaded()) return true;
    return router.createUrlTree(['/login'], { queryParams: next });
  } catch {
    // The server did not answer: the login page says so (and logging in retries it).
    return router.createUrlTree(['/login'], { queryParams: { ...next, unreachable: 1 } });
  }
};

/** The login and signup pages: someone already signed in goes to their rooms. */
export const signedOutGuard: CanActivateFn = async () => {
  const session = inject(SessionStore);
  const router = inject(Router);
  const user = await session.ensureLoaded().catch(() => null);
  return user ? router.createUrlTree(['/rooms']) : true;
};

/** Only same-site paths are followed after login, so a crafted link cannot send people elsewhere. */
export function safeNextUrl(next: string | null | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/rooms';
  return next;
}
