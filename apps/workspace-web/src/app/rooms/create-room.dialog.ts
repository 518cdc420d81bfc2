import { Dialog, DialogRef } from '@angular/cdk/dialog';
import { ChangeDetectionStrategy, Component, Injectable, inject, signal } from '@angular/core';
import { Router, RouterLink } from '@angular/router';
import type { RoomView } from '@oz/workspace-contract';
import { firstValueFrom } from 'rxjs';
import { AgentsStore } from '../agents/agents.store';
import { ApiError, errorMessage } from '../core/api/api-error';
import { AgentAvatarComponent } from '../ui/agent-avatar.component';
import { RoomsStore } from './rooms.store';

@Component({
  selector: 'oz-create-room-dialog',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [AgentAvatarComponent, RouterLink],
  template: `
    <form class="dialog" role="dialog" aria-modal="true" aria-labelledby="create-room-title" (submit)="submit($event)" novalidate>
      <h2 id="create-room-title">New room</h2>
      @if (error(); as message) {
        <div class="banner error" role="alert">{{ message }}</div>
      }
      <div class="field">
        <label for="room-name">Name</label>
        <input id="room-name" class="input" name="name" autocomplete="off" maxlength="100" required cdkFocusInitial
          [value]="name()" (input)="name.set(value($event))" [attr.aria-invalid]="!!nameError()" aria-describedby="room-name-error" />
        @if (nameError(); as problem) {
          <p id="room-name-error" class="field-error">{{ problem }}</p>
        }
      </div>
      <div class="field">
        <label for="room-description">Description <span class="muted">(optional)</span></label>
        <textarea id="room-description" class="textarea" name="description" maxlength="5000" rows="3"
          [value]="description()" (input)="description.set(value($event))" aria-describedby="room-description-hint"></textarea>
        <span id="room-description-hint" class="hint">Agents read it as context for every reply.</span>
      </div>
      <fieldset class="field agents">
        <legend class="label">Agents</legend>
        @if (!agents.loaded()) {
          <p class="muted">Loading your agents…</p>
        } @else if (agents.agents().length === 0) {
          <p class="muted">You have no agents yet. You can add them later, or <a routerLink="/agents/new" (click)="ref.close()">create one first</a>.</p>
        } @else {
          @for (agent of agents.agents(); track agent.id) {
            <label class="checkbox">
              <input type="checkbox" [checked]="chosen().has(agent.id)" (change)="toggle(agent.id)" />
              <oz-agent-avatar [agent]="agent" [size]="22" />
              {{ agent.name }} <span class="muted">· {{ agent.harness }}</span>
            </label>
          }
        }
      </fieldset>
      <div class="dialog-actions">
        <button type="button" class="btn" (click)="ref.close()">Cancel</button>
        <button type="submit" class="btn primary" [disabled]="busy()">{{ busy() ? 'Creating…' : 'Create room' }}</button>
      </div>
    </form>
  `,
  styles: `
    .agents {
      border: 0;
      padding: 0;
      margin: 0;
      gap: 0.45rem;
    }
  `,
})
export class CreateRoomDialogComponent {
  protected readonly ref = inject<DialogRef<RoomView>>(DialogRef);
  protected readonly agents = inject(AgentsStore);
  private readonly rooms = inject(RoomsStore);
  protected readonly name = signal('');
  protected readonly description = signal('');
  protected readonly chosen = signal(new Set<string>());
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly nameError = signal<string | null>(null);

  constructor() {
    void this.agents.load();
  }

  protected value(event: Event): string {
    return (event.target as HTMLInputElement).value;
  }

  protected toggle(id: string): void {
    this.chosen.update((set) => {
      const next = new Set(set);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  }

  protected async submit(event: Event): Promise<void> {
    event.preventDefault();
    this.error.set(null);
    const name = this.name().trim();
    if (!name) {
      this.nameError.set('Give the room a name.');
      return;
    }
    this.nameError.set(null);
    this.busy.set(true);
    try {
      const room = await this.rooms.create({ name, description: this.description(), agent_ids: [...this.chosen()] });
      this.ref.close(room);
    } catch (error) {
      const field = error instanceof ApiError ? error.fieldMessage('name') : null;
      if (field) this.nameError.set(field);
      else this.error.set(`The room was not created: ${errorMessage(error)}`);
    } finally {
      this.busy.set(false);
    }
  }
}

/** Opens the new-room dialog and goes to the room it creates. */
@Injectable({ providedIn: 'root' })
export class CreateRoom {
  private readonly dialog = inject(Dialog);
  private readonly router = inject(Router);

  async open(): Promise<void> {
    const ref = this.dialog.open<RoomView>(CreateRoomDialogComponent, { backdropClass: 'cdk-overlay-dark-backdrop', autoFocus: 'first-tabbable' });
    const room = await firstValueFrom(ref.closed);
    if (room) await this.router.navigate(['/rooms', room.id]);
  }
}
