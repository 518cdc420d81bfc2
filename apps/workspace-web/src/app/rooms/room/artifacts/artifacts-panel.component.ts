import { ChangeDetectionStrategy, Component, inject, input, signal } from '@angular/core';
import type { ArtifactView } from '@oz/workspace-contract';
import { errorMessage } from '../../../core/api/api-error';
import { AgentAvatarComponent } from '../../../ui/agent-avatar.component';
import { Confirm } from '../../../ui/confirm';
import { MarkdownComponent } from '../../../ui/markdown.component';
import { TimeComponent } from '../../../ui/time.component';

const TYPE_LABELS: Record<string, string> = { pr: 'Pull request', plan: 'Plan', document: 'Document', sheet: 'Sheet' };

/**
 * What agents produced in the room: plans, documents, pull requests. Each opens in place (its text
 * rendered, or its link); nothing here looks clickable without doing something.
 */
@Component({
  selector: 'oz-artifacts-panel',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [AgentAvatarComponent, MarkdownComponent, TimeComponent],
  template: `
    @if (error(); as problem) {
      <div class="banner error" role="alert">{{ problem }}</div>
    }
    @if (artifacts().length === 0) {
      <div class="empty-state">
        <h2>No artifacts yet</h2>
        <p>Plans, documents and pull requests your agents produce in this room appear here as they are made.</p>
      </div>
    } @else {
      <ul class="artifacts">
        @for (artifact of artifacts(); track artifact.id) {
          <li>
            <details [open]="open() === artifact.id" (toggle)="onToggle($event, artifact.id)">
              <summary>
                <span class="chip">{{ label(artifact.type) }}</span>
                <span class="title">{{ artifact.title }}</span>
                <span class="meta muted">
                  @if (artifact.agent; as agent) {
                    <oz-agent-avatar [agent]="agent" [size]="18" /> {{ agent.name }} ·
                  }
                  <oz-time [at]="artifact.created_at" />
                </span>
              </summary>
              <div class="content">
                @if (artifact.url) {
                  <p><a [href]="artifact.url" target="_blank" rel="noopener noreferrer">{{ artifact.type === 'pr' ? 'Open the pull request' : 'Open the link' }} ↗</a>
                    <span class="muted mono url">{{ artifact.url }}</span></p>
                }
                @if (artifact.content) {
                  <oz-markdown [content]="artifact.content" />
                } @else if (!artifact.url) {
                  <p class="muted">This artifact has no content.</p>
                }
                @if (!readOnly()) {
                  <button type="button" class="btn danger small" (click)="remove(artifact)">Delete artifact</button>
                }
              </div>
            </details>
          </li>
        }
      </ul>
    }
  `,
  styles: `
    .artifacts {
      list-style: none;
      margin: 0;
      padding: 0;
      display: flex;
      flex-direction: column;
      gap: 0.5rem;
    }
    details {
      background: var(--surface);
      border: 1px solid var(--border);
      border-radius: var(--radius-sm);
    }
    summary {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.5rem;
      padding: 0.6rem 0.75rem;
      cursor: pointer;
    }
    .title {
      font-weight: 600;
      flex: 1;
      min-width: 8rem;
    }
    .meta {
      display: inline-flex;
      align-items: center;
      gap: 0.3rem;
      font-size: 0.8rem;
    }
    .content {
      padding: 0 0.75rem 0.75rem;
      border-top: 1px solid var(--border);
      padding-top: 0.6rem;
    }
    .url {
      display: block;
      overflow-wrap: anywhere;
    }
    .content .btn {
      margin-top: 0.6rem;
    }
  `,
})
export class ArtifactsPanelComponent {
  readonly artifacts = input.required<readonly ArtifactView[]>();
  readonly readOnly = input(false);
  /** Deletes one (the room page passes its store's method). */
  readonly deleteArtifact = input<(artifact: ArtifactView) => Promise<void>>(() => Promise.resolve());
  private readonly confirm = inject(Confirm);
  protected readonly open = signal<string | null>(null);
  protected readonly error = signal<string | null>(null);

  protected label(type: string): string {
    return TYPE_LABELS[type] ?? type;
  }

  protected onToggle(event: Event, id: string): void {
    const isOpen = (event.target as HTMLDetailsElement).open;
    if (isOpen) this.open.set(id);
    else if (this.open() === id) this.open.set(null);
  }

  protected async remove(artifact: ArtifactView): Promise<void> {
    const ok = await this.confirm.ask({
      title: 'Delete this artifact?',
      message: `“${artifact.title}” will be removed from the room. Links elsewhere (a pull request, say) are not affected.`,
      confirmLabel: 'Delete artifact',
      danger: true,
    });
    if (!ok) return;
    this.error.set(null);
    try {
      await this.deleteArtifact()(artifact);
    } catch (error) {
      this.error.set(`“${artifact.title}” was not deleted: ${errorMessage(error)}`);
    }
  }
}
