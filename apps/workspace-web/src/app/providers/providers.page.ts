import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import type { ChartConfiguration } from 'chart.js';
import { BarController, BarElement, CategoryScale, Legend, LinearScale, Tooltip } from 'chart.js';
import { BaseChartDirective, provideCharts } from 'ng2-charts';
import type { ProviderStatus, ProviderStatusList } from '@oz/workspace-contract';
import { ControlPlaneGateComponent } from '../control-plane/control-plane-gate.component';
import { ControlPlaneStatusStore } from '../control-plane/control-plane-status.store';
import { ControlPlaneApi } from '../control-plane/control-plane.api';
import { pollWhile } from '../control-plane/poll';
import { errorMessage } from '../core/api/api-error';
import { Clock, fullDate, timeUntil } from '../ui/clock';
import { QuotaSummaryPipe } from './quota-summary.pipe';

function cssColor(name: string, fallback: string): string {
  const value = typeof getComputedStyle === 'function' ? getComputedStyle(document.documentElement).getPropertyValue(name).trim() : '';
  return value || fallback;
}

function windowInWords(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/** `/providers` (admin): each LLM provider, whether it is usable, and its quota use over its rolling window. */
@Component({
  selector: 'oz-providers-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ControlPlaneGateComponent, BaseChartDirective, QuotaSummaryPipe],
  providers: [provideCharts({ registerables: [BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip] })],
  templateUrl: './providers.page.html',
  styleUrl: './providers.page.css',
})
export class ProvidersPage {
  protected readonly status = inject(ControlPlaneStatusStore);
  private readonly api = inject(ControlPlaneApi);
  private readonly clock = inject(Clock);
  protected readonly list = signal<ProviderStatusList | null>(null);
  protected readonly error = signal<string | null>(null);
  protected readonly windowInWords = windowInWords;
  protected readonly fullDate = fullDate;
  protected readonly withQuota = computed(() =>
    (this.list()?.providers ?? []).flatMap((p) => (p.quota ? [{ ...p, quota: p.quota }] : [])),
  );

  /** Used and remaining calls of each provider with a quota, stacked: the window at a glance. */
  protected readonly chart = computed<ChartConfiguration<'bar'>>(() => {
    const providers = this.withQuota();
    return {
      type: 'bar',
      data: {
        labels: providers.map((p) => `${p.key} (${windowInWords(p.quota.window_seconds)})`),
        datasets: [
          { label: 'Used', data: providers.map((p) => p.quota.used), backgroundColor: cssColor('--accent', '#4338ca'), stack: 'quota' },
          { label: 'Remaining', data: providers.map((p) => p.quota.remaining), backgroundColor: cssColor('--surface-3', '#e6e9ee'), stack: 'quota' },
        ],
      },
      options: {
        indexAxis: 'y',
        responsive: true,
        maintainAspectRatio: false,
        animation: matchMedia('(prefers-reduced-motion: reduce)').matches ? false : undefined,
        scales: {
          x: { stacked: true, beginAtZero: true, ticks: { precision: 0, color: cssColor('--text-muted', '#525a67') }, title: { display: true, text: 'calls in the window' } },
          y: { stacked: true, ticks: { color: cssColor('--text', '#15181e') } },
        },
        plugins: { legend: { labels: { color: cssColor('--text', '#15181e') } } },
      },
    };
  });

  /** Calls per bucket over one provider's window, when the server reports them. */
  protected usageChart(provider: ProviderStatus): ChartConfiguration<'bar'> {
    const { bucket_seconds, calls } = provider.usage;
    return {
      type: 'bar',
      data: {
        labels: calls.map((_, i) => {
          const ago = (calls.length - 1 - i) * bucket_seconds;
          return ago === 0 ? 'now' : `-${windowInWords(ago)}`;
        }),
        datasets: [{ label: `${provider.key} calls`, data: calls, backgroundColor: cssColor('--accent', '#4338ca') }],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } }, x: { ticks: { maxTicksLimit: 6 } } },
      },
    };
  }

  constructor() {
    this.status.whenAvailable(() => this.load(), { adminOnly: true });
    // Quotas roll continuously: keep the numbers current while the page is open.
    pollWhile(() => this.status.available() && this.status.admin(), () => 10_000, () => this.load());
  }

  protected until(iso: string | null): string {
    return iso ? timeUntil(iso, this.clock.now()) : '';
  }

  protected percent(provider: ProviderStatus): number {
    const quota = provider.quota;
    return quota && quota.limit > 0 ? Math.min(100, Math.round((quota.used / quota.limit) * 100)) : 0;
  }

  protected async load(): Promise<void> {
    try {
      this.list.set(await this.api.providers());
      this.error.set(null);
    } catch (error) {
      this.error.set(`Could not load providers: ${errorMessage(error)}`);
    }
  }
}
