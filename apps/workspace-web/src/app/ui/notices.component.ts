import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { Notices } from '../core/feedback/notices';

/** Where rolled-back changes and lost connections are announced (politely to screen readers, errors assertively). */
@Component({
  selector: 'oz-notices',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="notices" aria-live="polite">
      @for (notice of notices.notices(); track notice.id) {
        <div class="notice" [class]="notice.kind" [attr.role]="notice.kind === 'error' ? 'alert' : 'status'">
          <span class="text">{{ notice.text }}</span>
          <button type="button" class="btn ghost small" (click)="notices.dismiss(notice.id)" [attr.aria-label]="'Dismiss: ' + notice.text">✕</button>
        </div>
      }
    </div>
  `,
  styles: `
    .notices {
      position: fixed;
      right: 1rem;
      bottom: 1rem;
      z-index: 1100;
      display: flex;
      flex-direction: column;
      gap: 0.5rem;
      max-width: min(420px, calc(100vw - 2rem));
    }
    .notice {
      display: flex;
      align-items: flex-start;
      gap: 0.5rem;
      padding: 0.6rem 0.5rem 0.6rem 0.85rem;
      border-radius: var(--radius);
      background: var(--surface);
      border: 1px solid var(--border);
      border-left: 4px solid var(--info);
      box-shadow: var(--shadow);
    }
    .notice.error {
      border-left-color: var(--danger);
    }
    .notice.success {
      border-left-color: var(--success);
    }
    .text {
      flex: 1;
      padding-top: 0.15rem;
    }
  `,
})
export class NoticesComponent {
  protected readonly notices = inject(Notices);
}
