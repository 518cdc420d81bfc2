import { ChangeDetectionStrategy, Component, ElementRef, afterRenderEffect, computed, effect, inject, input, untracked, viewChild } from '@angular/core';
import { RouterLink } from '@angular/router';
import type { ArtifactItem } from '@oz/contract';
import { ControlPlaneGateComponent } from '../control-plane/control-plane-gate.component';
import { ControlPlaneStatusStore } from '../control-plane/control-plane-status.store';
import { LiveStatusComponent } from '../control-plane/live-status.component';
import { Notices } from '../core/feedback/notices';
import { Clock, duration, fullDate } from '../ui/clock';
import { Confirm } from '../ui/confirm';
import { MarkdownComponent } from '../ui/markdown.component';
import { RunStateComponent } from '../ui/run-state.component';
import { TimeComponent } from '../ui/time.component';
import { RunDetailStore } from './run-detail.store';

/** `/runs/:runId`: prompt, config, a state timeline, the log streaming while it runs, the output, artifacts; cancel. */
@Component({
  selector: 'oz-run-detail-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, ControlPlaneGateComponent, LiveStatusComponent, RunStateComponent, TimeComponent, MarkdownComponent],
  providers: [RunDetailStore],
  templateUrl: './run-detail.page.html',
  styleUrl: './run-detail.page.css',
})
export class RunDetailPage {
  readonly runId = input.required<string>();
  protected readonly store = inject(RunDetailStore);
  private readonly status = inject(ControlPlaneStatusStore);
  private readonly confirm = inject(Confirm);
  private readonly notices = inject(Notices);
  private readonly clock = inject(Clock);
  private readonly logBox = viewChild<ElementRef<HTMLElement>>('logBox');
  protected readonly fullDate = fullDate;
  protected readonly elapsed = computed(() => {
    const run = this.store.run();
    if (!run) return '';
    return duration(run.started_at ?? run.created_at, this.store.active() ? null : run.updated_at, this.clock.now());
  });
  protected readonly config = computed(() => JSON.stringify(this.store.run()?.agent_config ?? {}, null, 2));
  private followLog = true;

  constructor() {
    effect(() => {
      const id = this.runId();
      untracked(() => {
        void this.status.ensureLoaded().then((availability) => {
          if (availability === 'available') void this.store.open(id);
        });
      });
    });
    // The log follows new lines while the reader is at its end.
    afterRenderEffect(() => {
      this.store.logs();
      const box = this.logBox()?.nativeElement;
      if (box && this.followLog) box.scrollTop = box.scrollHeight;
    });
  }

  protected onLogScroll(event: Event): void {
    const box = event.target as HTMLElement;
    this.followLog = box.scrollHeight - box.scrollTop - box.clientHeight < 24;
  }

  protected artifactLabel(artifact: ArtifactItem): string {
    return artifact.artifact_type === 'PULL_REQUEST' ? `Pull request · ${artifact.data.branch}` : `Plan${artifact.data.title ? ` · ${artifact.data.title}` : ''}`;
  }

  protected async cancel(): Promise<void> {
    const run = this.store.run();
    if (!run) return;
    const ok = await this.confirm.ask({
      title: 'Cancel this run?',
      message: 'The agent stops at once; what it has written so far stays. A cancelled run cannot be resumed.',
      confirmLabel: 'Cancel run',
      danger: true,
    });
    if (!ok) return;
    try {
      await this.store.cancel();
    } catch (error) {
      this.notices.error('The run was not cancelled', error);
    }
  }
}
