import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { Router } from '@angular/router';
import { AgentsStore } from '../agents/agents.store';
import { errorMessage } from '../core/api/api-error';
import { SessionStore } from '../core/auth/session.store';
import { InboxStore } from '../inbox/inbox.store';
import { RoomsStore } from '../rooms/rooms.store';

/** `/settings`: the account, and logging out. */
@Component({
  selector: 'oz-settings-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="page narrow">
      <header class="page-header"><h1>Settings</h1></header>
      <section class="card" aria-labelledby="account-title">
        <h2 id="account-title">Account</h2>
        <dl>
          <dt>Name</dt>
          <dd>{{ session.user()?.name }}</dd>
          <dt>Email</dt>
          <dd>{{ session.user()?.email }}</dd>
        </dl>
        <p class="muted">Your rooms, agents and tasks are yours alone; other accounts on this server cannot see them. Share a room's read-only link to show it to someone.</p>
      </section>
      <section class="card" aria-labelledby="session-title">
        <h2 id="session-title">Session</h2>
        <p>Logging out ends this session on the server, not only in this browser.</p>
        @if (error(); as problem) {
          <div class="banner error" role="alert">{{ problem }}</div>
        }
        <button type="button" class="btn" (click)="logout()" [disabled]="busy()">{{ busy() ? 'Logging out…' : 'Log out' }}</button>
      </section>
    </div>
  `,
  styles: `
    .narrow {
      max-width: 720px;
    }
    h2 {
      margin-bottom: 0.75rem;
    }
    dl {
      display: grid;
      grid-template-columns: max-content 1fr;
      gap: 0.35rem 1rem;
      margin: 0 0 0.75rem;
    }
    dt {
      font-weight: 600;
    }
    dd {
      margin: 0;
    }
  `,
})
export class SettingsPage {
  protected readonly session = inject(SessionStore);
  private readonly router = inject(Router);
  private readonly rooms = inject(RoomsStore);
  private readonly inbox = inject(InboxStore);
  private readonly agents = inject(AgentsStore);
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);

  protected async logout(): Promise<void> {
    this.busy.set(true);
    this.error.set(null);
    try {
      await this.session.logout();
      this.rooms.clear();
      this.inbox.clear();
      this.agents.clear();
      await this.router.navigate(['/login']);
    } catch (error) {
      this.error.set(`The server did not end the session: ${errorMessage(error)}`);
    } finally {
      this.busy.set(false);
    }
  }
}
