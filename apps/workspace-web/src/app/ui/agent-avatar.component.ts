import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import type { AgentSummary } from '@oz/workspace-contract';

const ICONS: Record<string, string> = {
  robot: '🤖',
  brain: '🧠',
  lightning: '⚡',
  code: '💻',
  terminal: '⌨️',
  gear: '⚙️',
  search: '🔍',
  pencil: '✏️',
  book: '📘',
  chat: '💬',
  rocket: '🚀',
  shield: '🛡️',
  bug: '🐛',
  git: '🔀',
  database: '🗄️',
  cloud: '☁️',
};

export function agentIconGlyph(icon: string): string {
  return ICONS[icon] ?? ICONS['robot'];
}

/** An agent's colour and icon; decorative, since its name is always written next to it. */
@Component({
  selector: 'oz-agent-avatar',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<span class="avatar" aria-hidden="true" [style.border-color]="color()" [style.--size.px]="size()">{{ glyph() }}</span>`,
  styles: `
    .avatar {
      display: inline-grid;
      place-items: center;
      width: var(--size);
      height: var(--size);
      border-radius: 50%;
      border: 2px solid;
      background: var(--surface-2);
      font-size: calc(var(--size) * 0.5);
      line-height: 1;
      flex: none;
    }
  `,
})
export class AgentAvatarComponent {
  readonly agent = input.required<Pick<AgentSummary, 'color' | 'icon'> | null>();
  readonly size = input(28);
  protected readonly glyph = computed(() => agentIconGlyph(this.agent()?.icon ?? 'robot'));
  protected readonly color = computed(() => this.agent()?.color ?? 'var(--border-strong)');
}
