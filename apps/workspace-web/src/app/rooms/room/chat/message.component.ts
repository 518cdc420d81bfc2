import { ChangeDetectionStrategy, Component, computed, input, output } from '@angular/core';
import type { MessageView } from '@oz/workspace-contract';
import { AgentAvatarComponent } from '../../../ui/agent-avatar.component';
import { MarkdownComponent } from '../../../ui/markdown.component';
import { TimeComponent } from '../../../ui/time.component';

/** One message: who wrote it and when, its Markdown, and for a reply in progress its state and a Stop button. */
@Component({
  selector: 'oz-message',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [AgentAvatarComponent, MarkdownComponent, TimeComponent],
  template: `
    <article class="message" [class.agent]="message().author_type === 'agent'" [class.sending]="sending()" [attr.aria-busy]="streaming()"
      [attr.aria-label]="author() + (streaming() ? ', replying' : '')">
      <div class="gutter">
        @if (message().author_type === 'agent') {
          <oz-agent-avatar [agent]="message().agent" [size]="30" />
        } @else {
          <span class="person" aria-hidden="true">{{ personInitial() }}</span>
        }
      </div>
      <div class="body">
        <header>
          <strong>{{ author() }}</strong>
          @if (sending()) {
            <span class="muted">sending…</span>
          } @else {
            <oz-time class="muted" [at]="message().created_at" />
          }
          @switch (message().status) {
            @case ('streaming') {
              @if (message().author_type === 'agent') {
                <span class="chip running"><span class="dot pulse" aria-hidden="true"></span>{{ message().content ? 'writing' : 'thinking' }}</span>
                <button type="button" class="btn small" (click)="cancel.emit(message())" [disabled]="cancelling()">
                  {{ cancelling() ? 'Stopping…' : 'Stop' }}
                </button>
              }
            }
            @case ('cancelled') {
              <span class="chip warning">stopped</span>
            }
            @case ('error') {
              <span class="chip error">failed</span>
            }
          }
        </header>
        @if (message().content) {
          <oz-markdown [content]="message().content" [mentionNames]="mentionNames()" />
        } @else if (streaming()) {
          <p class="muted thinking">{{ author() }} is thinking…</p>
        }
      </div>
    </article>
  `,
  styles: `
    .message {
      display: grid;
      grid-template-columns: 36px minmax(0, 1fr);
      gap: 0.6rem;
      padding: 0.55rem 0.25rem;
    }
    .message.sending {
      opacity: 0.65;
    }
    header {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.5rem;
      margin-bottom: 0.15rem;
    }
    header .muted {
      font-size: 0.8rem;
    }
    .person {
      display: grid;
      place-items: center;
      width: 30px;
      height: 30px;
      border-radius: 50%;
      background: var(--accent);
      color: var(--accent-contrast);
      font-weight: 700;
    }
    .thinking {
      margin: 0;
      font-style: italic;
    }
  `,
})
export class MessageComponent {
  readonly message = input.required<MessageView>();
  readonly mentionNames = input<readonly string[]>([]);
  /** The name shown for people's messages (rooms belong to one person). */
  readonly personName = input('You');
  readonly sending = input(false);
  readonly cancelling = input(false);
  readonly cancel = output<MessageView>();

  protected readonly streaming = computed(() => this.message().status === 'streaming' && this.message().author_type === 'agent');
  protected readonly author = computed(() => {
    const message = this.message();
    if (message.author_type === 'human') return this.personName();
    return message.agent?.name ?? 'A deleted agent';
  });
  protected readonly personInitial = computed(() => this.personName().charAt(0).toUpperCase());
}
