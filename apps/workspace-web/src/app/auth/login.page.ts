import { ChangeDetectionStrategy, Component, computed, inject, input, signal } from '@angular/core';
import { Router, RouterLink } from '@angular/router';
import { errorMessage } from '../core/api/api-error';
import { safeNextUrl } from '../core/auth/guards';
import { SessionStore } from '../core/auth/session.store';

@Component({
  selector: 'oz-login-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink],
  styleUrl: './auth-layout.css',
  template: `
    <form class="card" (submit)="submit($event)" novalidate aria-labelledby="login-title">
      <div class="brand"><span class="logo" aria-hidden="true"></span> Oz Stack</div>
      <h1 id="login-title">Log in</h1>
      <p class="lead">Your rooms, agents and runs are waiting.</p>
      @if (notice(); as text) {
        <div class="banner info" role="status">{{ text }}</div>
      }
      @if (error(); as message) {
        <div class="banner error" role="alert">{{ message }}</div>
      }
      <div class="field">
        <label for="login-email">Email</label>
        <input id="login-email" class="input" type="email" name="email" autocomplete="username" required autofocus
          [value]="email()" (input)="email.set(text($event))" />
      </div>
      <div class="field">
        <label for="login-password">Password</label>
        <input id="login-password" class="input" type="password" name="password" autocomplete="current-password" required
          [value]="password()" (input)="password.set(text($event))" />
      </div>
      <button type="submit" class="btn primary submit" [disabled]="busy()">{{ busy() ? 'Logging in…' : 'Log in' }}</button>
      <p class="switch">New here? <a routerLink="/signup" [queryParams]="next() ? { next: next() } : {}">Create an account</a></p>
    </form>
  `,
})
export class LoginPage {
  /** Query parameters (router input binding). */
  readonly next = input<string | undefined>();
  readonly expired = input<string | undefined>();
  readonly unreachable = input<string | undefined>();

  private readonly session = inject(SessionStore);
  private readonly router = inject(Router);
  protected readonly email = signal('');
  protected readonly password = signal('');
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly notice = computed(() => {
    if (this.error()) return null;
    if (this.unreachable()) return 'The workspace server did not answer. Check that it is running, then log in.';
    if (this.expired()) return 'Your session ended. Log in again to carry on where you were.';
    return null;
  });

  protected text(event: Event): string {
    return (event.target as HTMLInputElement).value;
  }

  protected async submit(event: Event): Promise<void> {
    event.preventDefault();
    if (!this.email().trim() || !this.password()) {
      this.error.set('Enter your email and password.');
      return;
    }
    this.busy.set(true);
    this.error.set(null);
    try {
      await this.session.login({ email: this.email().trim(), password: this.password() });
      await this.router.navigateByUrl(safeNextUrl(this.next()));
    } catch (error) {
      this.error.set(errorMessage(error));
    } finally {
      this.busy.set(false);
    }
  }
}
