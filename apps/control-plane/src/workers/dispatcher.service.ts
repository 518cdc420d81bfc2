import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { ArtifactItem, TaskAssignment, WorkerToServerMessage } from '@oz/contract';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { CoalescedTask } from '@oz/server-kit';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { PgNotifications } from '../database/pg-notifications';
import { EnvironmentsService } from '../environments/environments.service';
import { DispatchRepository, type DispatchedRun } from './dispatch.repository';
import { pullRequestArtifacts } from './pull-requests';
import { WorkerRegistry, type WorkerConnection } from './worker-registry';

export const RUN_PENDING_CHANNEL = 'oz_run_pending';
const RUN_CANCELLED_CHANNEL = 'oz_run_cancelled';
/** Leases are renewed on worker traffic at most this often per connection (and at least 3× per lease). */
const RENEW_EVERY_MS = 5_000;
/** How much of the log stands in for the output when a worker sends none. */
const OUTPUT_LOG_TAIL_LINES = 200;
const MAX_LOG_LINE_CHARS = 8_192;
const MAX_OUTPUT_CHARS = 10 * 1024 * 1024;

/**
 * Worker mode: assigns PENDING runs to the workers connected to this replica, as soon as they are
 * created (LISTEN/NOTIFY; a slow poll is the safety net), within each connection's capacity; and
 * turns the workers' messages into run state. Leases, not connections, decide liveness: a dropped
 * WebSocket fails nothing, a worker that stays silent past its lease loses its runs, and an
 * assignment nobody claimed in time goes back to PENDING.
 */
@Injectable()
export class DispatcherService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('dispatcher');
  readonly replica = `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly unlisten: Array<() => void> = [];
  private readonly dispatching = new CoalescedTask(
    () => this.assignWhileCapacity(),
    (error) => this.logger.error({ err: error }, 'dispatch.failed'),
  );
  private stopping = false;

  constructor(
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    private readonly runs: DispatchRepository,
    private readonly registry: WorkerRegistry,
    private readonly environments: EnvironmentsService,
    private readonly notifications: PgNotifications,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.unlisten.push(
      await this.notifications.listen(RUN_PENDING_CHANNEL, () => this.dispatch()),
      await this.notifications.listen(RUN_CANCELLED_CHANNEL, (id) => void this.forwardCancel(id)),
      this.notifications.onReconnect(() => this.dispatch()),
    );
    this.timers.push(
      setInterval(() => {
        void this.sweep();
        this.dispatch();
      }, this.config.workers.pollIntervalMs),
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.unlisten.forEach((stop) => stop());
    this.timers.forEach((timer) => clearInterval(timer));
    await this.dispatching.idle();
  }

  /** Assigns what it can now; coalesced, so a burst of notifications costs one round. */
  dispatch(): void {
    if (!this.stopping) this.dispatching.request();
  }

  private async assignWhileCapacity(): Promise<void> {
    while (!this.stopping) {
      const free = this.registry.withCapacity();
      const preferred = free[0];
      if (!preferred) return;
      const token = randomBytes(24).toString('base64url');
      const run = await this.runs.claimNext(
        this.replica,
        [...new Set(free.map((c) => c.workerId))],
        preferred.workerId,
        this.config.workers.claimTimeoutMs,
        sha256(token),
      );
      if (!run) return;
      const connection = free.find((c) => c.workerId === run.workerId);
      if (!connection || !(await this.assign(connection, run, token))) await this.runs.handBack(run.id, run.workerId);
    }
  }

  private async assign(connection: WorkerConnection, run: DispatchedRun, taskToken: string): Promise<boolean> {
    let assignment: TaskAssignment;
    try {
      assignment = await this.assignmentFor(run, taskToken);
    } catch (error) {
      this.logger.error({ err: error, runId: run.id }, 'dispatch.environment_failed');
      return false;
    }
    connection.tasks.add(run.id);
    try {
      await this.registry.send(connection, { type: 'task_assignment', data: assignment });
      this.logger.log({ runId: run.id, workerId: connection.workerId }, 'run.assigned');
      return true;
    } catch (error) {
      connection.tasks.delete(run.id);
      this.logger.warn({ err: error, runId: run.id }, 'dispatch.send_failed');
      return false;
    }
  }

  /** The official assignment message, with the environment resolved (secrets decrypted only here). */
  private async assignmentFor(run: DispatchedRun, taskToken: string): Promise<TaskAssignment> {
    const environment = await this.environments.findForDispatch(run.environmentId);
    if (!environment) throw new Error(`environment ${run.environmentId} is gone`);
    const envVars = this.environments.decryptEnvVars(environment);
    return {
      task_id: run.id,
      execution_id: run.id,
      task: {
        id: run.id,
        title: run.title,
        task_definition: { prompt: run.prompt },
        created_at: run.createdAt.toISOString(),
        updated_at: run.updatedAt.toISOString(),
        agent_config_snapshot: run.agentConfig,
      },
      docker_image: environment.dockerImage,
      sidecar_image: this.config.workers.sidecarImage,
      env_vars: {
        OZ_TASK_PROMPT: run.prompt,
        OZ_TASK_TOKEN: taskToken,
        OZ_RUN_ID: run.id,
        OZ_ENV_REPOS: environment.repos.join('\n'),
        OZ_ENV_SETUP_COMMANDS: environment.setupCommands.join('\n'),
        OZ_ENV_VARS: Object.entries(envVars)
          .map(([name, value]) => `${name}=${value}`)
          .join('\n'),
        ...(run.agentConfig.harness?.type ? { OZ_HARNESS: run.agentConfig.harness.type } : {}),
        ...(run.agentConfig.model_id ? { OZ_MODEL_ID: run.agentConfig.model_id } : {}),
      },
    };
  }

  /** A message from a worker, on whichever connection (and replica) it arrives. */
  async handle(connection: WorkerConnection, message: WorkerToServerMessage): Promise<void> {
    const { workerId } = connection;
    const taskId = message.data.task_id;
    await this.seen(connection);
    switch (message.type) {
      case 'task_claimed':
        if (await this.runs.markClaimed(taskId, workerId, this.config.workers.leaseMs)) connection.tasks.add(taskId);
        return;
      case 'task_rejected':
        // The worker is full: the run waits for another slot, here or elsewhere.
        this.registry.release(taskId);
        connection.full = true;
        if (await this.runs.handBack(taskId, workerId)) this.logger.log({ runId: taskId, workerId, reason: message.data.reason }, 'run.rejected');
        return;
      case 'task_started':
        await this.runs.markStarted(taskId, workerId);
        return;
      case 'task_log':
        await this.runs.appendLogs(taskId, workerId, (message.data.lines ?? []).map(storableLine), this.config.workers.logMaxLines);
        return;
      case 'task_completed':
      case 'task_failed':
        await this.finish(connection, message);
        return;
    }
  }

  private async finish(connection: WorkerConnection, message: WorkerToServerMessage & { type: 'task_completed' | 'task_failed' }): Promise<void> {
    const { workerId } = connection;
    const data = message.data;
    // A worker that never sent task_claimed (or whose claim was lost) still ends its run properly.
    await this.runs.markClaimed(data.task_id, workerId, this.config.workers.leaseMs);
    const reported = typeof data.output === 'string' ? data.output : (await this.runs.logTail(data.task_id, OUTPUT_LOG_TAIL_LINES)).join('\n');
    const output = reported ? storableOutput(reported) : null;
    const artifacts: ArtifactItem[] = Array.isArray(data.artifacts) ? data.artifacts.filter(isArtifact) : pullRequestArtifacts(output ?? '');
    let to: 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
    let statusMessage: string | null;
    if (data.task_state === 'CANCELLED') {
      to = 'CANCELLED';
      statusMessage = data.message ?? 'Cancelled';
    } else if (message.type === 'task_completed') {
      to = 'SUCCEEDED';
      statusMessage = null;
    } else {
      to = 'FAILED';
      const failed = message.data;
      const details = [failed.failure_reason, failed.exit_code !== undefined ? `exit code ${failed.exit_code}` : undefined].filter(Boolean);
      statusMessage = `${failed.message ?? 'The task failed'}${details.length ? ` (${details.join(', ')})` : ''}`;
    }
    const ended = await this.runs.finish(data.task_id, workerId, to, { output, artifacts, statusMessage });
    this.registry.release(data.task_id);
    if (ended) this.logger.log({ runId: data.task_id, workerId, state: to }, 'run.finished');
    this.dispatch();
  }

  /** Any traffic is a sign of life: renew the worker's leases and presence (throttled). */
  async seen(connection: WorkerConnection): Promise<void> {
    const now = Date.now();
    if (now - connection.lastSeenAt < Math.min(RENEW_EVERY_MS, this.config.workers.leaseMs / 3)) return;
    connection.lastSeenAt = now;
    await Promise.all([
      this.runs.renewLeases(connection.workerId, this.config.workers.leaseMs),
      this.runs.connectionsSeen([connection.id]),
    ]);
  }

  /** A cancelled run that a worker of this replica holds: tell that worker to stop it. */
  private async forwardCancel(runId: string): Promise<void> {
    try {
      const workerId = await this.runs.holderOf(runId);
      if (!workerId) return;
      const connection = this.registry.connectionFor(runId, workerId);
      if (!connection) return;
      await this.registry.send(connection, { type: 'task_cancellation', data: { task_id: runId } });
      this.registry.release(runId);
      this.logger.log({ runId, workerId }, 'run.cancellation_sent');
    } catch (error) {
      this.logger.warn({ err: error, runId }, 'run.cancellation_failed');
    }
  }

  private async sweep(): Promise<void> {
    try {
      const unclaimed = await this.runs.reclaimUnclaimed();
      for (const id of unclaimed) this.registry.release(id);
      if (unclaimed.length) this.logger.warn({ runs: unclaimed }, 'runs.claim_timed_out');
      const lost = await this.runs.expireLost(this.config.workers.retryLostRuns);
      for (const { id } of lost) this.registry.release(id);
      if (lost.length) this.logger.warn({ runs: lost }, 'runs.worker_lost');
    } catch (error) {
      this.logger.error({ err: error }, 'sweep.failed');
    }
  }
}

/** PostgreSQL text cannot hold NUL, and one runaway line must not fill the log. */
function storableLine(line: unknown): string {
  const text = String(line).split('\u0000').join('');
  return text.length > MAX_LOG_LINE_CHARS ? `${text.slice(0, MAX_LOG_LINE_CHARS)}…` : text;
}

/** As a provider's answer: no NUL (PostgreSQL text cannot hold it), at most 10 MiB. */
function storableOutput(text: string): string {
  const clean = text.split('\u0000').join('');
  return clean.length > MAX_OUTPUT_CHARS ? `${clean.slice(0, MAX_OUTPUT_CHARS)}…` : clean;
}

/** Artifacts a worker reports, kept only when they have the shape runs expose. */
function isArtifact(value: unknown): value is ArtifactItem {
  const artifact = value as { artifact_type?: unknown; created_at?: unknown; data?: Record<string, unknown> };
  if (typeof artifact?.created_at !== 'string' || !artifact.data || typeof artifact.data !== 'object') return false;
  if (artifact.artifact_type === 'PULL_REQUEST') return typeof artifact.data['url'] === 'string' && typeof artifact.data['branch'] === 'string';
  return artifact.artifact_type === 'PLAN' && typeof artifact.data['document_uid'] === 'string';
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
