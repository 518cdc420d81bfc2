import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { TASK_TOKEN_PREFIX } from '@oz/contract';
import { CoalescedTask } from '@oz/server-kit';
import { createHash, randomBytes } from 'node:crypto';
import { InjectReplicaId } from '../common/replica-id';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { RUN_PENDING_CHANNEL } from '../database/channels';
import { PgNotifications } from '../database/pg-notifications';
import type { EnvironmentEntity } from '../environments/environment.entity';
import { EnvironmentsService } from '../environments/environments.service';
import { Metrics } from '../metrics/metrics';
import { RunSecrets, type WorkerSecrets } from '../runs/run-secrets';
import { taskAssignment } from './task-assignment';
import { WorkerRegistry, type WorkerConnection } from './worker-registry';
import { WorkerRunsRepository, type DispatchedRun } from './worker-runs.repository';

type AssignOutcome = 'sent' | 'not_sent' | 'failed';

/**
 * Assigns PENDING runs to the worker connections of this replica, within each connection's capacity,
 * as soon as they are created (LISTEN/NOTIFY; a slow poll is the safety net). Claiming uses SKIP
 * LOCKED, so replicas never assign one run twice.
 */
@Injectable()
export class RunDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('dispatcher');
  private readonly dispatching = new CoalescedTask(
    () => this.assignWhileCapacity(),
    (error) => this.logger.error({ err: error }, 'dispatch.failed'),
  );
  private readonly unlisten: Array<() => void> = [];
  private poll: NodeJS.Timeout | undefined;
  /** Dispatches due when a connection's back-off after a rejection ends. */
  private readonly later = new Set<NodeJS.Timeout>();
  private stopping = false;

  constructor(
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    @InjectReplicaId() private readonly replica: string,
    private readonly runs: WorkerRunsRepository,
    private readonly registry: WorkerRegistry,
    private readonly environments: EnvironmentsService,
    private readonly notifications: PgNotifications,
    private readonly runSecrets: RunSecrets,
    private readonly metrics: Metrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.unlisten.push(
      await this.notifications.listen(RUN_PENDING_CHANNEL, () => this.dispatch()),
      this.notifications.onReconnect(() => this.dispatch()),
    );
    this.poll = setInterval(() => this.dispatch(), this.config.workers.pollIntervalMs);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.unlisten.forEach((stop) => stop());
    clearInterval(this.poll);
    this.later.forEach((timer) => clearTimeout(timer));
    await this.dispatching.idle();
  }

  /** Assigns what it can now; coalesced, so a burst of notifications costs one round. */
  dispatch(): void {
    if (!this.stopping) this.dispatching.request();
  }

  /** Dispatches again in `ms` (when a rejecting connection's back-off is over), not only at the next poll. */
  dispatchAfter(ms: number): void {
    if (this.stopping) return;
    const timer = setTimeout(() => {
      this.later.delete(timer);
      this.dispatch();
    }, ms);
    this.later.add(timer);
  }

  private async assignWhileCapacity(): Promise<void> {
    while (!this.stopping) {
      const free = this.registry.withCapacity();
      const preferred = free[0];
      if (!preferred) return;
      const token = newTaskToken();
      const run = await this.runs.claimNext(
        this.replica,
        [...new Set(free.map((c) => c.workerId))],
        preferred.workerId,
        this.config.workers.claimTimeoutMs,
        sha256(token),
        this.config.workers.taskTimeoutSeconds,
      );
      if (!run) return;
      const connection = free.find((c) => c.workerId === run.workerId);
      const outcome = connection ? await this.assign(connection, run, token) : 'not_sent';
      if (outcome === 'not_sent') await this.runs.handBack(run.id, run.workerId);
    }
  }

  private async assign(connection: WorkerConnection, run: DispatchedRun, taskToken: string): Promise<AssignOutcome> {
    let environment: EnvironmentEntity | null;
    try {
      environment = await this.environments.findForDispatch(run.environmentId);
    } catch (error) {
      this.logger.error({ err: error, runId: run.id }, 'dispatch.environment_failed');
      return 'not_sent';
    }
    if (!environment) return this.failUnassignable(run, `its environment ${run.environmentId} no longer exists`);
    const envVars = this.secretsOf(environment, run);
    if (!envVars) return this.failUnassignable(run, 'the secrets of its environment cannot be decrypted');
    // The run's MCP headers/env and task_env are stored sealed ("<redacted>" in agent_config); the worker gets them opened.
    let secrets: WorkerSecrets;
    try {
      secrets = await this.runSecrets.forWorker(run.id, run.agentConfig);
    } catch (error) {
      this.logger.error({ err: error, runId: run.id }, 'dispatch.run_secrets_failed');
      return 'not_sent';
    }
    if ('unopened' in secrets) return this.failUnassignable(run, `${secrets.unopened} cannot be decrypted`);

    const assignment = taskAssignment({ ...run, agentConfig: secrets.agentConfig }, environment, envVars, {
      sidecarImage: this.config.workers.sidecarImage,
      taskToken,
      apiBaseUrl: this.config.workers.taskApiBaseUrl,
      taskEnv: secrets.taskEnv,
    });
    this.registry.hold(connection, run.id);
    try {
      await this.registry.send(connection, { type: 'task_assignment', data: assignment });
      this.logger.log({ runId: run.id, workerId: connection.workerId }, 'run.assigned');
      if (run.firstDispatchWaitSeconds !== null) this.metrics.runDispatched('worker', run.firstDispatchWaitSeconds);
      return 'sent';
    } catch (error) {
      this.registry.drop(connection, run.id);
      this.logger.warn({ err: error, runId: run.id }, 'dispatch.send_failed');
      return 'not_sent';
    }
  }

  private secretsOf(environment: EnvironmentEntity, run: DispatchedRun): Record<string, string> | null {
    try {
      return this.environments.decryptEnvVars(environment);
    } catch (error) {
      this.logger.error({ err: error, runId: run.id }, 'dispatch.environment_failed');
      return null;
    }
  }

  /** Handed back, such a run would be the oldest PENDING run again at once: offered forever, ahead of all others. */
  private async failUnassignable(run: DispatchedRun, problem: string): Promise<AssignOutcome> {
    if (await this.runs.failUnassignable(run.id, run.workerId, `The run cannot be given to a worker: ${problem}`)) {
      this.logger.warn({ runId: run.id, problem }, 'run.unassignable');
    }
    return 'failed';
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A run's task token: 32 random bytes after a prefix that says what it is (never a tenant's token). */
function newTaskToken(): string {
  return `${TASK_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}
