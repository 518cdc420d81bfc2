import { DIALOG_DATA, DialogRef } from '@angular/cdk/dialog';
import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { ApiError, errorMessage } from '../../core/api/api-error';
import type { RoomStore } from './room.store';

export type RoomSettingsResult = 'saved' | 'delete' | undefined;

/** Rename and describe a room; deleting starts here (and is confirmed by the page). */
@Component({
  selector: 'oz-room-settings',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <form class="dialog" role="dialog" aria-modal="true" aria-labelledby="room-settings-title" (submit)="save($event)" novalidate>
      <h2 id="room-settings-title">Room settings</h2>
      @if (error(); as message) {
        <div class="banner error" role="alert">{{ message }}</div>
      }
      <div class="field">
        <label for="room-settings-name">Name</label>
        <input id="room-settings-name" class="input" maxlength="100" [value]="name()" (input)="name.set(text($event))"
          [attr.aria-invalid]="!!nameError()" aria-describedby="room-settings-name-error" />
        @if (nameError(); as problem) {
          <p id="room-settings-name-error" class="field-error">{{ problem }}</p>
        }
      </div>
      <div class="field">
        <label for="room-settings-description">Description</label>
        <textarea id="room-settings-description" class="textarea" rows="4" maxlength="5000" [value]="description()"
          (input)="description.set(text($event))" aria-describedby="room-settings-description-hint"></textarea>
        <span id="room-settings-description-hint" class="hint">Agents read it as context for every reply.</span>
      </div>
      <div class="dialog-actions">
        <button type="button" class="btn danger" (click)="ref.close('delete')">Delete room…</button>
        <span class="spacer"></span>
        <button type="button" class="btn" (click)="ref.close()">Cancel</button>
        <button type="submit" class="btn primary" [disabled]="busy() || !changed()">{{ busy() ? 'Saving…' : 'Save' }}</button>
      </div>
    </form>
  `,
})
export class RoomSettingsDialogComponent {
  private readonly store = inject<RoomStore>(DIALOG_DATA);
  protected readonly ref = inject<DialogRef<RoomSettingsResult>>(DialogRef);
  private readonly room = this.store.room();
  protected readonly name = signal(this.room?.name ?? '');
  protected readonly description = signal(this.room?.description ?? '');
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly nameError = signal<string | null>(null);
  protected readonly changed = computed(() => this.name().trim() !== (this.room?.name ?? '') || this.description() !== (this.room?.description ?? ''));

  protected text(event: Event): string {
    return (event.target as HTMLInputElement).value;
  }

  protected async save(event: Event): Promise<void> {
    event.preventDefault();
    const name = this.name().trim();
    if (!name) {
      this.nameError.set('A room needs a name.');
      return;
    }
    this.nameError.set(null);
    this.error.set(null);
    this.busy.set(true);
    try {
      await this.store.update({ name, description: this.description() });
      this.ref.close('saved');
    } catch (error) {
      const field = error instanceof ApiError ? error.fieldMessage('name') : null;
      if (field) this.nameError.set(field);
      else this.error.set(`Not saved: ${errorMessage(error)}`);
    } finally {
      this.busy.set(false);
    }
  }
}
