import { Injectable } from '@nestjs/common';
import { createMetricsRegistry } from '@oz/server-kit';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Report } from '../tasks/task-reports';

/** How a task ended, for `oz_worker_tasks_total`; `rejected`: an assignment refused (worker full or stopping). */
export type TaskOutcome = 'succeeded' | 'failed' | 'cancelled' | 'rejected';

/** The outcome a task's final message reports. */
export function taskOutcome(report: Report): Exclude<TaskOutcome, 'rejected'> {
  if (report.type === 'task_failed') return 'failed';
  return report.data.task_state === 'CANCELLED' ? 'cancelled' : 'succeeded';
}

/**
 * The worker's metrics, served on its metrics port (OZ_METRICS_PORT; k8s/monitoring/metrics.json
 * lists them), one typed method per event: the connection and the supervisor call these, never
 * prom-client.
 */
@Injectable()
export class WorkerMetrics {
  readonly registry: Registry = createMetricsRegistry();

  private readonly connected = new Gauge({
    name: 'oz_worker_connected',
    help: "1 while the worker's connection to the control plane is open, else 0.",
    registers: [this.registry],
  });
  private readonly reconnects = new Counter({
    name: 'oz_worker_reconnects_total',
    help: 'Connection attempts to the control plane after the first: after a dropped connection or a failed attempt.',
    registers: [this.registry],
  });
  private readonly running = new Gauge({
    name: 'oz_worker_tasks_running',
    help: 'Tasks this worker is running (their containers, adopted ones included).',
    registers: [this.registry],
  });
  private readonly tasks = new Counter({
    name: 'oz_worker_tasks_total',
    help: 'Tasks finished. outcome: succeeded, failed, cancelled, or rejected (an assignment refused: worker full or stopping).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly droppedLines = new Counter({
    name: 'oz_worker_log_lines_dropped_total',
    help: "Task log lines not sent to the control plane: over OZ_TASK_LOG_LINES_PER_SECOND (they stay in the container's log).",
    registers: [this.registry],
  });

  connection(open: boolean): void {
    this.connected.set(open ? 1 : 0);
  }

  reconnecting(): void {
    this.reconnects.inc();
  }

  tasksRunning(count: number): void {
    this.running.set(count);
  }

  taskEnded(outcome: TaskOutcome): void {
    this.tasks.inc({ outcome });
  }

  logLineDropped(): void {
    this.droppedLines.inc();
  }
}
