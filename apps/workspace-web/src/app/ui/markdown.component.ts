import { ChangeDetectionStrategy, Component, ElementRef, effect, inject, input } from '@angular/core';
import { renderMarkdown } from './markdown';

/**
 * Renders a message's Markdown. The DOM comes from DOMPurify (markdown.ts) and is put in place
 * directly, so Angular's own sanitiser does not strip the mention and code classes. Code blocks get a
 * Copy button.
 */
@Component({
  selector: 'oz-markdown',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: '',
  host: { class: 'markdown', '(click)': 'onClick($event)' },
  styles: `
    :host {
      display: block;
      overflow-wrap: anywhere;
    }
    :host ::ng-deep p {
      margin: 0 0 0.5rem;
    }
    :host ::ng-deep p:last-child,
    :host ::ng-deep ul:last-child,
    :host ::ng-deep ol:last-child,
    :host ::ng-deep pre:last-child {
      margin-bottom: 0;
    }
    :host ::ng-deep ul,
    :host ::ng-deep ol {
      margin: 0 0 0.5rem;
      padding-left: 1.4rem;
    }
    :host ::ng-deep code {
      background: var(--code-bg);
      border-radius: 4px;
      padding: 0.1rem 0.3rem;
    }
    :host ::ng-deep .code-block {
      position: relative;
      margin: 0.4rem 0 0.6rem;
    }
    :host ::ng-deep pre {
      margin: 0;
      padding: 0.75rem 0.85rem;
      background: var(--code-bg);
      border: 1px solid var(--border);
      border-radius: var(--radius-sm);
      overflow-x: auto;
    }
    :host ::ng-deep pre code {
      background: none;
      padding: 0;
      white-space: pre;
    }
    :host ::ng-deep .copy {
      position: absolute;
      top: 0.35rem;
      right: 0.35rem;
      font: inherit;
      font-size: 0.75rem;
      padding: 0.1rem 0.45rem;
      border: 1px solid var(--border-strong);
      border-radius: 4px;
      background: var(--surface);
      color: var(--text);
      cursor: pointer;
    }
    :host ::ng-deep blockquote {
      margin: 0 0 0.5rem;
      padding-left: 0.75rem;
      border-left: 3px solid var(--border-strong);
      color: var(--text-muted);
    }
    :host ::ng-deep table {
      border-collapse: collapse;
      margin-bottom: 0.5rem;
    }
    :host ::ng-deep th,
    :host ::ng-deep td {
      border: 1px solid var(--border);
      padding: 0.25rem 0.5rem;
    }
    :host ::ng-deep img {
      max-width: 100%;
    }
    :host ::ng-deep .mention {
      color: var(--accent);
      background: var(--accent-soft);
      border-radius: 4px;
      padding: 0 0.15rem;
      font-weight: 600;
    }
  `,
})
export class MarkdownComponent {
  readonly content = input.required<string>();
  readonly mentionNames = input<readonly string[]>([]);
  private readonly host = inject<ElementRef<HTMLElement>>(ElementRef);

  constructor() {
    effect(() => {
      const fragment = renderMarkdown(this.content(), this.mentionNames());
      for (const pre of Array.from(fragment.querySelectorAll('pre'))) {
        const wrapper = document.createElement('div');
        wrapper.className = 'code-block';
        pre.replaceWith(wrapper);
        wrapper.append(pre);
        const copy = document.createElement('button');
        copy.type = 'button';
        copy.className = 'copy';
        copy.textContent = 'Copy';
        copy.setAttribute('aria-label', 'Copy code');
        wrapper.append(copy);
      }
      this.host.nativeElement.replaceChildren(fragment);
    });
  }

  protected onClick(event: MouseEvent): void {
    const button = (event.target as HTMLElement).closest('button.copy');
    if (!button) return;
    const code = button.parentElement?.querySelector('pre')?.textContent ?? '';
    void navigator.clipboard?.writeText(code).then(
      () => (button.textContent = 'Copied'),
      () => (button.textContent = 'Copy failed'),
    );
    setTimeout(() => (button.textContent = 'Copy'), 1_500);
  }
}
