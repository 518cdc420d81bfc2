import { Injectable, signal } from '@angular/core';
import { errorMessage } from '../api/api-error';

export type NoticeKind = 'error' | 'info' | 'success';

export interface Notice {
  id: number;
  kind: NoticeKind;
  text: string;
}

/**
 * Short messages about things that happened away from where the person is looking: a change that
 * was rolled back, a stream that could not reconnect. Errors stay until dismissed; the rest fade.
 * Errors of a form or a panel are shown there instead.
 */
@Injectable({ providedIn: 'root' })
export class Notices {
  private readonly list = signal<readonly Notice[]>([]);
  private nextId = 1;
  readonly notices = this.list.asReadonly();

  error(context: string, error?: unknown): void {
    this.push('error', error === undefined ? context : `${context}: ${errorMessage(error)}`);
  }

  info(text: string): void {
    this.push('info', text);
  }

  success(text: string): void {
    this.push('success', text);
  }

  dismiss(id: number): void {
    this.list.update((list) => list.filter((n) => n.id !== id));
  }

  private push(kind: NoticeKind, text: string): void {
    const notice: Notice = { id: this.nextId++, kind, text };
    // The same message twice in a row (a burst of failures) shows once.
    this.list.update((list) => [...list.filter((n) => n.text !== text), notice].slice(-5));
    if (kind !== 'error') setTimeout(() => this.dismiss(notice.id), 6_000);
  }
}
