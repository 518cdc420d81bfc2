import { Injectable, computed, inject, signal } from '@angular/core';
import { Router } from '@angular/router';
import type { LoginInput, SignupInput, UserView } from '@oz/workspace-contract';
import { ApiClient } from '../api/api-client';
import { ApiError } from '../api/api-error';
import { API } from '../api/endpoints';

export type SessionState = 'unknown' | 'signed-in' | 'signed-out';

/**
 * Who is signed in. The session itself is the httpOnly `oz_session` cookie, invisible to scripts:
 * the store learns the user from `/api/auth/me`, signup and login, and forgets it on logout or when
 * any call answers 401.
 */
@Injectable({ providedIn: 'root' })
export class SessionStore {
  private readonly api = inject(ApiClient);
  private readonly router = inject(Router);
  private readonly current = signal<UserView | null>(null);
  private readonly stateSignal = signal<SessionState>('unknown');
  private loading: Promise<UserView | null> | null = null;

  readonly user = this.current.asReadonly();
  readonly state = this.stateSignal.asReadonly();
  readonly signedIn = computed(() => this.stateSignal() === 'signed-in');

  constructor() {
    this.api.onUnauthorized(() => this.sessionEnded());
  }

  /** The server no longer knows the session (expired, or logged out elsewhere): back to the login page. */
  sessionEnded(): void {
    if (this.stateSignal() !== 'signed-in') return;
    this.forget();
    const next = this.router.url;
    void this.router.navigate(['/login'], { queryParams: next && next !== '/' ? { next, expired: 1 } : { expired: 1 } });
  }

  /** The signed-in user, asking the server once per page load. */
  ensureLoaded(): Promise<UserView | null> {
    if (this.stateSignal() !== 'unknown') return Promise.resolve(this.current());
    this.loading ??= this.api.call(API.me).then(
      (user) => this.remember(user),
      (error: unknown) => {
        this.loading = null;
        if (error instanceof ApiError && error.status === 401) {
          this.forget();
          return null;
        }
        throw error;
      },
    );
    return this.loading;
  }

  async login(input: LoginInput): Promise<UserView> {
    return this.remember(await this.api.call(API.login, { body: input }));
  }

  async signup(input: SignupInput): Promise<UserView> {
    return this.remember(await this.api.call(API.signup, { body: input }));
  }

  async logout(): Promise<void> {
    try {
      await this.api.call(API.logout);
    } catch (error) {
      // A session the server no longer knows is as good as ended.
      if (!(error instanceof ApiError && error.status === 401)) throw error;
    }
    this.forget();
  }

  private remember(user: UserView): UserView {
    this.current.set(user);
    this.stateSignal.set('signed-in');
    this.loading = null;
    return user;
  }

  private forget(): void {
    this.current.set(null);
    this.stateSignal.set('signed-out');
    this.loading = null;
  }
}
