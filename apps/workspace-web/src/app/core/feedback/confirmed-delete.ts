import { Injectable, inject, type WritableSignal } from '@angular/core';
import { Router } from '@angular/router';
import { Confirm } from '../../ui/confirm';
import { errorMessage } from '../api/api-error';
import { Notices } from './notices';

/** What an editor page deletes, and how it asks. */
export interface DeleteRequest {
  /** The thing's name, for the question and the notice. */
  name: string;
  /** What deleting it does, said before anything happens. */
  consequences: string;
  confirmLabel: string;
  remove: () => Promise<unknown>;
  /** Where to go once it is gone (its list). */
  listUrl: string;
}

/**
 * An editor page's Delete, the same on every page: ask first; then delete with the page busy; a
 * failure shows on the page ("Not deleted: …"), a success as a notice and a move to the list.
 */
@Injectable({ providedIn: 'root' })
export class ConfirmedDelete {
  private readonly confirm = inject(Confirm);
  private readonly notices = inject(Notices);
  private readonly router = inject(Router);

  async run(page: { busy: WritableSignal<boolean>; error: WritableSignal<string | null> }, request: DeleteRequest): Promise<void> {
    const ok = await this.confirm.ask({ title: `Delete ${request.name}?`, message: request.consequences, confirmLabel: request.confirmLabel, danger: true });
    if (!ok) return;
    page.busy.set(true);
    try {
      await request.remove();
      this.notices.success(`${request.name} was deleted.`);
      await this.router.navigateByUrl(request.listUrl);
    } catch (error) {
      page.error.set(`Not deleted: ${errorMessage(error)}`);
    } finally {
      page.busy.set(false);
    }
  }
}
