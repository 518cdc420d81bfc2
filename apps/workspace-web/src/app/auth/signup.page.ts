import { ChangeDetectionStrategy, Component, computed, inject, input, signal } from '@angular/core';
import { Router, RouterLink } from '@angular/router';
import { ApiError, errorMessage } from '../core/api/api-error';
import { safeNextUrl } from '../core/auth/guards';
import { SessionStore } from '../core/auth/session.store';
import { passwordChecks } from './password-rules';

type Field = 'name' | 'email' | 'password';

@Component({
  selector: 'oz-signup-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink],
  styleUrl: './auth-layout.css',
  template: `
    <form class="card" (submit)="submit($event)" novalidate aria-labelledby="signup-title">
      <div class="brand"><span class="logo" aria-hidden="true"></span> Oz Stack</div>
      <h1 id="signup-title">Create your account</h1>
      <p class="lead">{{ invite() ? 'You were invited. ' : '' }}Then make a room, add an agent and @mention it.</p>
      @if (error(); as message) {
        <div class="banner error" role="alert">{{ message }}</div>
      }
      <div class="field">
        <label for="signup-name">Name</label>
        <input id="signup-name" class="input" name="name" autocomplete="name" required autofocus maxlength="100"
          [value]="name()" (input)="name.set(text($event))" [attr.aria-invalid]="!!fieldError('name')" aria-describedby="signup-name-error" />
        @if (fieldError('name'); as problem) {
          <p id="signup-name-error" class="field-error">{{ problem }}</p>
        }
      </div>
      <div class="field">
        <label for="signup-email">Email</label>
        <input id="signup-email" class="input" type="email" name="email" autocomplete="email" required maxlength="254"
          [value]="email()" (input)="email.set(text($event))" [attr.aria-invalid]="!!fieldError('email')" aria-describedby="signup-email-error" />
        @if (fieldError('email'); as problem) {
          <p id="signup-email-error" class="field-error">{{ problem }}</p>
        }
      </div>
      <div class="field">
        <label for="signup-password">Password</label>
        <input id="signup-password" class="input" type="password" name="password" autocomplete="new-password" required maxlength="200"
          [value]="password()" (input)="password.set(text($event))" [attr.aria-invalid]="!!fieldError('password')"
          aria-describedby="signup-password-rules signup-password-error" />
        <ul id="signup-password-rules" class="rules">
          @for (check of checks(); track check.label) {
            <li [class.met]="check.met">{{ check.label }}<span class="visually-hidden">{{ check.met ? ': done' : ': not yet' }}</span></li>
          }
        </ul>
        @if (fieldError('password'); as problem) {
          <p id="signup-password-error" class="field-error">{{ problem }}</p>
        }
      </div>
      <button type="submit" class="btn primary submit" [disabled]="busy()">{{ busy() ? 'Creating your account…' : 'Sign up' }}</button>
      <p class="switch">Already have an account? <a routerLink="/login" [queryParams]="next() ? { next: next() } : {}">Log in</a></p>
    </form>
  `,
})
export class SignupPage {
  readonly next = input<string | undefined>();
  /** The token of the admin's invite link (`/signup?invite=…`), needed where signup is invite-only. */
  readonly invite = input<string | undefined>();

  private readonly session = inject(SessionStore);
  private readonly router = inject(Router);
  protected readonly name = signal('');
  protected readonly email = signal('');
  protected readonly password = signal('');
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  private readonly fieldErrors = signal<Partial<Record<Field, string>>>({});
  protected readonly checks = computed(() => passwordChecks(this.password(), this.name(), this.email()));

  protected fieldError(field: Field): string | null {
    return this.fieldErrors()[field] ?? null;
  }

  protected text(event: Event): string {
    return (event.target as HTMLInputElement).value;
  }

  protected async submit(event: Event): Promise<void> {
    event.preventDefault();
    const missing: Partial<Record<Field, string>> = {};
    if (!this.name().trim()) missing.name = 'Enter your name.';
    if (!this.email().trim()) missing.email = 'Enter your email address.';
    if (!this.password()) missing.password = 'Choose a password.';
    this.fieldErrors.set(missing);
    this.error.set(null);
    if (Object.keys(missing).length) return;
    this.busy.set(true);
    try {
      const invite = this.invite();
      await this.session.signup({ name: this.name().trim(), email: this.email().trim(), password: this.password(), ...(invite ? { invite_token: invite } : {}) });
      await this.router.navigateByUrl(safeNextUrl(this.next()));
    } catch (error) {
      if (error instanceof ApiError && error.fieldErrors.length) {
        const byField: Partial<Record<Field, string>> = {};
        for (const problem of error.fieldErrors) {
          if (problem.field === 'name' || problem.field === 'email' || problem.field === 'password') byField[problem.field] ??= problem.message;
        }
        this.fieldErrors.set(byField);
        if (!Object.keys(byField).length) this.error.set(error.message);
      } else {
        this.error.set(errorMessage(error));
      }
    } finally {
      this.busy.set(false);
    }
  }
}
