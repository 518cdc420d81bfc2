import { ChangeDetectionStrategy, Component, ElementRef, computed, input, output, signal, viewChild } from '@angular/core';
import type { RoomAgent } from '@oz/workspace-contract';
import { AgentAvatarComponent } from '../../../ui/agent-avatar.component';
import { MentionAutocomplete, type MentionState } from './mention-autocomplete';

let nextComposerId = 0;

/**
 * Writing a message: Enter sends, Shift+Enter starts a new line, `@` opens the agent picker (an ARIA
 * combobox: ↑/↓ choose, Enter or Tab insert, Esc closes). A failed send puts the text back.
 */
@Component({
  selector: 'oz-composer',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [AgentAvatarComponent],
  template: `
    <form class="composer" (submit)="submit($event)">
      @if (picker(); as state) {
        <ul class="picker" role="listbox" [id]="listId" aria-label="Agents to mention">
          @for (name of state.options; track name; let i = $index) {
            <li role="option" [id]="listId + '-' + i" [attr.aria-selected]="i === state.active" [class.active]="i === state.active"
              (mousedown)="$event.preventDefault(); choose(name)">
              <oz-agent-avatar [agent]="agentByName(name)" [size]="20" />
              <span>{{ name }}</span>
              <span class="muted harness">{{ agentByName(name)?.harness }}</span>
            </li>
          }
        </ul>
      }
      <label class="visually-hidden" [for]="inputId">Message</label>
      <textarea #box class="textarea" [id]="inputId" rows="1" [placeholder]="placeholder()" [disabled]="disabled()"
        role="combobox" aria-autocomplete="list" [attr.aria-expanded]="!!picker()" [attr.aria-controls]="picker() ? listId : null"
        [attr.aria-activedescendant]="picker() ? listId + '-' + picker()!.active : null" [attr.aria-describedby]="hintId"
        [value]="text()" (input)="onInput()" (keydown)="onKeydown($event)" (click)="refreshPicker()" (blur)="closePicker()"></textarea>
      <button type="submit" class="btn primary" [disabled]="disabled() || !canSend()">Send</button>
      <p class="hint" [id]="hintId">
        <kbd>Enter</kbd> to send · <kbd>Shift</kbd>+<kbd>Enter</kbd> for a new line · <kbd>&#64;</kbd> to mention an agent · Markdown works
      </p>
    </form>
  `,
  styles: `
    .composer {
      position: relative;
      display: grid;
      grid-template-columns: 1fr auto;
      gap: 0.5rem;
      align-items: end;
    }
    .textarea {
      min-height: 42px;
      max-height: 40vh;
      resize: none;
      overflow-y: auto;
    }
    .hint {
      grid-column: 1 / -1;
      margin: 0;
      font-size: 0.78rem;
      color: var(--text-muted);
    }
    .picker {
      position: absolute;
      bottom: calc(100% + 4px);
      left: 0;
      z-index: 10;
      min-width: 240px;
      max-height: 240px;
      overflow-y: auto;
      list-style: none;
      margin: 0;
      padding: 0.25rem;
      background: var(--surface);
      border: 1px solid var(--border-strong);
      border-radius: var(--radius-sm);
      box-shadow: var(--shadow);
    }
    .picker li {
      display: flex;
      align-items: center;
      gap: 0.5rem;
      padding: 0.35rem 0.5rem;
      border-radius: 4px;
      cursor: pointer;
    }
    .picker li.active {
      background: var(--accent-soft);
      color: var(--accent);
    }
    .harness {
      margin-left: auto;
      font-size: 0.78rem;
    }
  `,
})
export class ComposerComponent {
  readonly agents = input.required<readonly RoomAgent[]>();
  readonly disabled = input(false);
  readonly placeholder = input('Write a message');
  /** Emits the text to send; the parent calls `restore` if sending fails. */
  readonly send = output<string>();

  private readonly box = viewChild.required<ElementRef<HTMLTextAreaElement>>('box');
  private readonly autocomplete = new MentionAutocomplete();
  private readonly id = nextComposerId++;
  protected readonly inputId = `composer-${this.id}`;
  protected readonly listId = `composer-${this.id}-agents`;
  protected readonly hintId = `composer-${this.id}-hint`;
  protected readonly text = signal('');
  protected readonly picker = signal<MentionState | null>(null);
  protected readonly canSend = computed(() => this.text().trim().length > 0);
  private readonly names = computed(() => this.agents().map((a) => a.name));

  focus(): void {
    this.box().nativeElement.focus();
  }

  /** Puts back text that could not be sent. */
  restore(text: string): void {
    const current = this.text();
    this.setText(current.trim() ? `${text}\n${current}` : text, text.length);
  }

  protected agentByName(name: string): RoomAgent | null {
    return this.agents().find((a) => a.name === name) ?? null;
  }

  protected onInput(): void {
    const box = this.box().nativeElement;
    this.text.set(box.value);
    this.autosize();
    this.refreshPicker();
  }

  protected refreshPicker(): void {
    const box = this.box().nativeElement;
    this.picker.set(this.autocomplete.update(box.value, box.selectionStart ?? box.value.length, this.names()));
  }

  protected closePicker(): void {
    this.autocomplete.close();
    this.picker.set(null);
  }

  protected onKeydown(event: KeyboardEvent): void {
    if (event.isComposing) return;
    const result = this.autocomplete.key(event.key, this.text());
    if (result.handled) {
      event.preventDefault();
      if ('value' in result) this.setText(result.value, result.caret);
      this.picker.set(this.autocomplete.state);
      return;
    }
    if (event.key === 'Enter' && !event.shiftKey && !event.altKey) {
      event.preventDefault();
      this.submit();
    } else if (['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(event.key)) {
      queueMicrotask(() => this.refreshPicker());
    }
  }

  protected choose(name: string): void {
    const picked = this.autocomplete.pick(name, this.text());
    this.setText(picked.value, picked.caret);
    this.picker.set(null);
    this.focus();
  }

  protected submit(event?: Event): void {
    event?.preventDefault();
    const text = this.text();
    if (!text.trim() || this.disabled()) return;
    this.closePicker();
    this.setText('', 0);
    this.send.emit(text);
  }

  private setText(value: string, caret: number): void {
    const box = this.box().nativeElement;
    box.value = value;
    this.text.set(value);
    box.setSelectionRange(caret, caret);
    this.autosize();
  }

  private autosize(): void {
    const box = this.box().nativeElement;
    box.style.height = 'auto';
    box.style.height = `${box.scrollHeight + 2}px`;
  }
}
