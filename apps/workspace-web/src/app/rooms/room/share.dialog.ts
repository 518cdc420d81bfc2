import { DIALOG_DATA, DialogRef } from '@angular/cdk/dialog';
import { DOCUMENT } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { errorMessage } from '../../core/api/api-error';
import type { RoomStore } from './room.store';

/** Turns the room's public read-only link on or off, and copies it. */
@Component({
  selector: 'oz-share-dialog',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="share-title">
      <h2 id="share-title">Share a read-only link</h2>
      @if (error(); as message) {
        <div class="banner error" role="alert">{{ message }}</div>
      }
      @if (link(); as url) {
        <p>Anyone with this link can read the room — messages, board and artifacts — live, without logging in. They cannot write or invoke agents.</p>
        <div class="field">
          <label for="share-link">Link</label>
          <div class="copy-row">
            <input id="share-link" class="input mono" readonly [value]="url" (focus)="select($event)" />
            <button type="button" class="btn" (click)="copy(url)">{{ copied() ? 'Copied' : 'Copy' }}</button>
          </div>
        </div>
        <p class="muted">Turning sharing off ends the link at once, and viewers who have it open stop receiving updates. Turning it on again makes a new link.</p>
      } @else {
        <p>Sharing is off: only you can see this room. A link lets anyone who has it read the room live, without logging in.</p>
      }
      <div class="dialog-actions">
        <button type="button" class="btn" (click)="ref.close()">Close</button>
        @if (link()) {
          <button type="button" class="btn danger" (click)="setShared(false)" [disabled]="busy()">{{ busy() ? 'Turning off…' : 'Turn off sharing' }}</button>
        } @else {
          <button type="button" class="btn primary" (click)="setShared(true)" [disabled]="busy()">{{ busy() ? 'Creating link…' : 'Create link' }}</button>
        }
      </div>
    </div>
  `,
  styles: `
    .copy-row {
      display: flex;
      gap: 0.5rem;
    }
  `,
})
export class ShareDialogComponent {
  private readonly store = inject<RoomStore>(DIALOG_DATA);
  protected readonly ref = inject(DialogRef);
  private readonly document = inject(DOCUMENT);
  protected readonly busy = signal(false);
  protected readonly copied = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly link = computed(() => {
    const shareId = this.store.room()?.share_id;
    return shareId ? new URL(`/share/${shareId}`, this.document.baseURI).toString() : null;
  });

  protected async setShared(shared: boolean): Promise<void> {
    this.busy.set(true);
    this.error.set(null);
    try {
      await this.store.setShared(shared);
    } catch (error) {
      this.error.set(`${shared ? 'No link was created' : 'Sharing is still on'}: ${errorMessage(error)}`);
    } finally {
      this.busy.set(false);
    }
  }

  protected select(event: FocusEvent): void {
    (event.target as HTMLInputElement).select();
  }

  protected async copy(url: string): Promise<void> {
    try {
      await navigator.clipboard.writeText(url);
      this.copied.set(true);
      setTimeout(() => this.copied.set(false), 2_000);
    } catch {
      this.error.set('Copying was blocked by the browser; select the link and copy it yourself.');
    }
  }
}
