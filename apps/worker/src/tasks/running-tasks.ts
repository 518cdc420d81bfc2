import { Injectable } from '@nestjs/common';
import { WorkerMetrics } from '../metrics/worker-metrics';
import type { StopReason } from './task-reports';

/** What the control plane said about an adopted task: follow it on (reading its log from the cursor), or stop it. */
export type Verdict = { keep: true; logCursor: string | null } | { keep: false };

export interface ExecutingTask {
  taskId: string;
  executionId?: string;
  /** Found at start-up rather than started by this process. */
  adopted: boolean;
  controller: AbortController;
  /** Why the worker stopped it, if it did. */
  stoppedFor?: StopReason;
  /** The run is no longer this execution's (ended, or given to another): stop it and report nothing. */
  superseded: boolean;
  /** Its container exited: nothing left to stop. */
  exited: boolean;
  done: Promise<void>;
  deadline?: NodeJS.Timeout;
  /** For an adopted task: settles with the control plane's first word on it. */
  verdict?: { promise: Promise<Verdict>; settle: (verdict: Verdict) => void };
}

/** The tasks this process executes, one per task id: what the supervisor runs and the lease reports name. */
@Injectable()
export class RunningTasks {
  private readonly tasks = new Map<string, ExecutingTask>();

  constructor(private readonly metrics: WorkerMetrics) {}

  get size(): number {
    return this.tasks.size;
  }

  get(taskId: string): ExecutingTask | undefined {
    return this.tasks.get(taskId);
  }

  has(taskId: string): boolean {
    return this.tasks.has(taskId);
  }

  all(): ExecutingTask[] {
    return [...this.tasks.values()];
  }

  add(taskId: string, executionId: string | undefined, adopted: boolean): ExecutingTask {
    const task: ExecutingTask = {
      taskId,
      ...(executionId ? { executionId } : {}),
      adopted,
      controller: new AbortController(),
      superseded: false,
      exited: false,
      done: Promise.resolve(),
    };
    this.tasks.set(taskId, task);
    this.metrics.tasksRunning(this.tasks.size);
    return task;
  }

  remove(task: ExecutingTask): void {
    clearTimeout(task.deadline);
    if (this.tasks.get(task.taskId) === task) this.tasks.delete(task.taskId);
    this.metrics.tasksRunning(this.tasks.size);
  }

  /** Stops a task's container (through its controller) and remembers why; the first reason wins. */
  stop(task: ExecutingTask, reason: StopReason): void {
    if (task.controller.signal.aborted) return;
    task.stoppedFor = reason;
    task.controller.abort();
  }
}

export function sameExecution(ours: string | undefined, theirs: string | undefined): boolean {
  return (ours ?? null) === (theirs ?? null);
}
