import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  ElementRef,
  afterRenderEffect,
  computed,
  effect,
  inject,
  input,
  output,
  signal,
  untracked,
  viewChild,
} from '@angular/core';
import type { MessageView } from '@oz/workspace-contract';
import { MessageComponent } from './message.component';

/** Within this many pixels of the bottom counts as "reading the latest". */
const STICK_THRESHOLD_PX = 48;

/**
 * The chat history. It starts at the latest message and follows new ones while the reader is at the
 * bottom; scrolled up, it stays put and offers a "new messages" button instead. Reaching the top
 * loads the older page, and the reader's place stays exactly where it was.
 */
@Component({
  selector: 'oz-message-list',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [MessageComponent],
  template: `
    <div class="scroller" #scroller (scroll)="onScroll()" tabindex="0" role="region" aria-label="Messages">
      <div class="top" #top>
        @if (loadingOlder()) {
          <p class="muted"><span class="spinner" aria-hidden="true"></span> Loading older messages…</p>
        } @else if (olderError(); as problem) {
          <p class="error-text" role="alert">{{ problem }} <button type="button" class="btn small" (click)="loadOlder.emit()">Try again</button></p>
        } @else if (hasOlder()) {
          <button type="button" class="btn small ghost" (click)="loadOlder.emit()">Load older messages</button>
        } @else if (messages().length) {
          <p class="muted start">This is the start of the room.</p>
        }
      </div>
      @for (message of messages(); track message.id) {
        <oz-message [message]="message" [mentionNames]="mentionNames()" [personName]="personName()" [sending]="isLocal()(message)"
          [cancelling]="!!message.run_id && cancelling().has(message.run_id)" (cancel)="cancel.emit($event)" />
      }
      <ng-content />
    </div>
    <p class="visually-hidden" role="status" aria-live="polite">{{ announcement() }}</p>
    @if (unseen() > 0) {
      <button type="button" class="btn primary small jump" (click)="scrollToBottom('smooth')">
        {{ unseen() === 1 ? '1 new message' : unseen() + ' new messages' }} ↓
      </button>
    }
  `,
  styles: `
    :host {
      position: relative;
      display: flex;
      flex-direction: column;
      min-height: 0;
    }
    .scroller {
      flex: 1;
      overflow-y: auto;
      overflow-anchor: none;
      padding: 0.5rem clamp(0.5rem, 2vw, 1.25rem) 0.75rem;
      outline: none;
    }
    .top {
      display: flex;
      justify-content: center;
      min-height: 2.5rem;
      padding: 0.5rem 0;
    }
    .top p {
      margin: 0;
    }
    .start {
      font-size: 0.85rem;
    }
    .jump {
      position: absolute;
      left: 50%;
      bottom: 0.75rem;
      transform: translateX(-50%);
      box-shadow: var(--shadow);
    }
  `,
})
export class MessageListComponent {
  readonly messages = input.required<readonly MessageView[]>();
  readonly mentionNames = input<readonly string[]>([]);
  readonly personName = input('You');
  readonly hasOlder = input(false);
  readonly loadingOlder = input(false);
  readonly olderError = input<string | null>(null);
  readonly cancelling = input<ReadonlySet<string>>(new Set());
  readonly isLocal = input<(message: MessageView) => boolean>(() => false);
  readonly loadOlder = output<void>();
  readonly cancel = output<MessageView>();

  private readonly scroller = viewChild.required<ElementRef<HTMLElement>>('scroller');
  private readonly top = viewChild.required<ElementRef<HTMLElement>>('top');
  private readonly atBottom = signal(true);
  /** The last message the reader has had on screen at the bottom. */
  private readonly lastSeenId = signal<string | null>(null);
  /** Set just before older messages go in at the top: the distance from the bottom to restore. */
  private anchorFromBottom: number | null = null;
  private firstId: string | null = null;

  /** Said to screen readers: each message as it arrives whole (not every streamed piece). */
  protected readonly announcement = signal('');
  private readonly announced = new Set<string>();
  private announcing = false;

  protected readonly unseen = computed(() => {
    if (this.atBottom()) return 0;
    const messages = this.messages();
    const index = messages.findIndex((m) => m.id === this.lastSeenId());
    return index === -1 ? 0 : messages.length - 1 - index;
  });

  constructor() {
    // Older page about to be prepended (the first message changes): remember the distance from the bottom.
    effect(() => {
      const messages = this.messages();
      const first = messages[0]?.id ?? null;
      untracked(() => {
        if (this.firstId && first !== this.firstId && messages.some((m) => m.id === this.firstId)) {
          const el = this.scroller().nativeElement;
          this.anchorFromBottom = el.scrollHeight - el.scrollTop;
        }
        this.firstId = first;
      });
    });
    effect(() => {
      const messages = this.messages();
      untracked(() => this.announce(messages));
    });
    afterRenderEffect({
      write: () => {
        const messages = this.messages();
        const el = this.scroller().nativeElement;
        untracked(() => {
          if (this.anchorFromBottom !== null) {
            el.scrollTop = el.scrollHeight - this.anchorFromBottom;
            this.anchorFromBottom = null;
          } else if (this.atBottom()) {
            el.scrollTop = el.scrollHeight;
            this.lastSeenId.set(messages.at(-1)?.id ?? null);
          }
        });
      },
    });
    // Reaching the top loads the older page.
    const observer = typeof IntersectionObserver === 'undefined' ? null : new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && this.hasOlder() && !this.loadingOlder() && !this.olderError()) {
        this.loadOlder.emit();
      }
    });
    // Observing afresh after each page makes the observer report again when the top is still in view.
    afterRenderEffect(() => {
      const sentinel = this.top().nativeElement;
      if (this.loadingOlder() || !observer) return;
      observer.unobserve(sentinel);
      observer.observe(sentinel);
    });
    inject(DestroyRef).onDestroy(() => observer?.disconnect());
  }

  private announce(messages: readonly MessageView[]): void {
    const finished = messages.filter((m) => m.status !== 'streaming' && !this.announced.has(m.id));
    for (const m of finished) this.announced.add(m.id);
    // The first render (the history) is not news.
    if (!this.announcing) {
      this.announcing = true;
      return;
    }
    const last = finished.filter((m) => m.author_type === 'agent').at(-1);
    if (last) {
      const who = last.agent?.name ?? 'An agent';
      const what = last.status === 'error' ? 'could not reply' : last.status === 'cancelled' ? 'stopped' : 'replied';
      this.announcement.set(`${who} ${what}: ${last.content.slice(0, 160)}`);
    }
  }

  scrollToBottom(behavior: ScrollBehavior = 'auto'): void {
    const el = this.scroller().nativeElement;
    el.scrollTo({ top: el.scrollHeight, behavior: matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : behavior });
    this.atBottom.set(true);
    this.lastSeenId.set(this.messages().at(-1)?.id ?? null);
  }

  protected onScroll(): void {
    const el = this.scroller().nativeElement;
    const bottom = el.scrollHeight - el.scrollTop - el.clientHeight <= STICK_THRESHOLD_PX;
    this.atBottom.set(bottom);
    if (bottom) this.lastSeenId.set(this.messages().at(-1)?.id ?? null);
  }
}
