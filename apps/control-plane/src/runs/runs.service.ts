import { Inject, Injectable, Logger } from '@nestjs/common';
import { isTerminalRunState, type RunListResponse, type RunSource } from '@oz/contract';
import { createHmac, hkdfSync, randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { ownerScope, type Principal } from '../common/auth/principal';
import { decodeCursor, encodeCursor } from '../common/http/cursor';
import { keepRedactedMcpSecrets, withoutMcpSecrets } from '../common/secrets/mcp-secrets';
import { withoutTaskEnv } from '../common/secrets/task-env';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { ApiException } from '@oz/server-kit';
import { EnvironmentsService } from '../environments/environments.service';
import { Metrics } from '../metrics/metrics';
import type { CreateRunDto } from './dto/create-run.dto';
import { DEFAULT_PAGE_SIZE, type ListRunsQueryDto } from '@oz/api-dto';
import { toRunItem } from './run.mapper';
import { RunEntity } from './run.entity';
import { RunSecrets } from './run-secrets';
import { RunsRepository, type LimitedInsert, type TenantRunLimits } from './runs.repository';

/** Where a run comes from, beyond its request body. */
export interface RunOrigin {
  source: RunSource;
  idempotencyKey?: string;
  /** The official SDK says so (X-Stainless-Retry-Count ≥ 1): an earlier attempt of this request may have landed. */
  isClientRetry?: boolean;
  schedule?: { id: string; name: string; cronSchedule: string; slot: Date };
}

/** How far back a retried create looks for its first attempt; the SDK gives up well within this. */
const RETRY_WINDOW_MS = 10 * 60_000;

/** The admin is never limited. */
const NO_LIMITS: TenantRunLimits = { runsPerMinute: 0, maxUnfinishedRuns: 0 };

/** What a tenant at its limit of unfinished runs is told to wait before trying again, in seconds. */
const UNFINISHED_RETRY_AFTER_SECONDS = 10;

@Injectable()
export class RunsService {
  private readonly logger = new Logger('runs');
  /** Keys the request fingerprints: a stored fingerprint must not let anyone test guesses of a secret the request held. */
  private readonly fingerprintKey: Buffer;

  constructor(
    private readonly runs: RunsRepository,
    private readonly environments: EnvironmentsService,
    private readonly secrets: RunSecrets,
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    private readonly metrics: Metrics,
  ) {
    this.fingerprintKey = Buffer.from(hkdfSync('sha256', config.secretsKey, 'oz-stack', 'run-request-fingerprint', 32));
  }

  /**
   * Creates a run: PENDING when it names an environment (a worker will run it), else QUEUED (the
   * provider router will). With an idempotency key, a retry returns the run the first call made. MCP
   * server headers and env values and `task_env` values are sealed, never stored in the clear. A tenant at one of its
   * limits (runs per minute, unfinished runs) is refused with 429 and Retry-After.
   */
  async create(
    principal: Principal,
    request: CreateRunDto,
    origin: RunOrigin,
    manager?: EntityManager,
  ): Promise<{ run: RunEntity; replayed: boolean }> {
    const config = request.config ?? {};
    const skillSpec = request.skill ?? config.skill_spec ?? null;
    const prompt = request.prompt?.trim() ? request.prompt : '';
    if (!prompt && !skillSpec) {
      throw ApiException.badRequest('prompt is required unless skill or config.skill_spec is set', [
        { field: 'prompt', message: 'prompt is required unless skill or config.skill_spec is set' },
      ]);
    }
    const { config: withoutMcp, secrets } = withoutMcpSecrets(config);
    // A new run has no stored secrets, so a "<redacted>" value (copied from a response) is refused.
    keepRedactedMcpSecrets('config', secrets, null);
    const { config: shownConfig, taskEnv } = withoutTaskEnv(withoutMcp);
    if (taskEnv && !config.environment_id) {
      const problem = 'config.task_env is for worker runs only (their task container gets it): set config.environment_id, or leave task_env out';
      throw ApiException.badRequest(problem, [{ field: 'config.task_env', message: problem }]);
    }
    if (config.environment_id && !(await this.environments.isVisible(principal, config.environment_id))) {
      throw ApiException.notFound('Environment', config.environment_id);
    }

    const fingerprint = this.fingerprintOf(request);
    if (origin.idempotencyKey) {
      // Before the limits: a retry of a run already made is answered with it, whatever the tenant's count.
      const existing = await this.runs.findByIdempotencyKey(principal.tenantKey, origin.idempotencyKey);
      if (existing) return { run: sameRequest(existing, fingerprint), replayed: true };
    }
    if (origin.isClientRetry && !origin.idempotencyKey) {
      // The SDK retries a create whose answer it did not get, without any key; if the first attempt
      // did create the run, hand that one back instead of starting the same work twice.
      const earlier = await this.runs.findRecentByFingerprint(
        principal.tenantKey,
        fingerprint,
        new Date(Date.now() - RETRY_WINDOW_MS),
      );
      if (earlier) return { run: earlier, replayed: true };
    }
    const now = new Date();
    const id = randomUUID();
    const run = Object.assign(new RunEntity(), {
      id,
      tenantKey: principal.tenantKey,
      creatorUid: principal.creatorUid,
      title: request.title?.trim() || config.name?.trim() || titleFrom(prompt) || skillSpec || 'Untitled run',
      prompt,
      state: config.environment_id ? 'PENDING' : 'QUEUED',
      source: origin.source,
      environmentId: config.environment_id ?? null,
      modelId: config.model_id ?? null,
      configName: config.name ?? null,
      skillSpec,
      workerHost: config.worker_host ?? null,
      scheduleId: origin.schedule?.id ?? null,
      schedule: origin.schedule
        ? { schedule_id: origin.schedule.id, schedule_name: origin.schedule.name, cron_schedule: origin.schedule.cronSchedule }
        : null,
      scheduledFor: origin.schedule?.slot ?? null,
      conversationId: request.conversation_id ?? null,
      team: request.team ?? false,
      agentConfig: { ...shownConfig },
      mcpSecretsCiphertext: this.secrets.seal(id, secrets),
      taskEnvCiphertext: this.secrets.sealTaskEnv(id, taskEnv),
      images: request.images?.length ? request.images.map((i) => ({ data: i.data, mime_type: i.mime_type })) : null,
      artifacts: [],
      sessionLink: null,
      statusMessage: null,
      statusDetail: null,
      output: null,
      providerKey: null,
      providerType: null,
      providerModel: null,
      attempts: 0,
      idempotencyKey: origin.idempotencyKey ?? null,
      requestFingerprint: fingerprint,
      createdAt: now,
      updatedAt: now,
      startedAt: null,
      completedAt: null,
    } satisfies RunEntity);

    const limits = principal.isAdmin ? NO_LIMITS : this.config.tenantLimits;
    const inserted: LimitedInsert =
      limits.runsPerMinute > 0 || limits.maxUnfinishedRuns > 0
        ? await this.runs.insertWithinLimits(run, limits, manager)
        : { outcome: (await this.runs.insert(run, manager)) ? 'inserted' : 'exists' };
    switch (inserted.outcome) {
      case 'inserted':
        this.logger.log({ runId: run.id, state: run.state, source: run.source }, 'run.created');
        this.metrics.runCreated(run.source, run.environmentId ? 'worker' : 'provider');
        return { run, replayed: false };
      case 'exists':
        return { run: await this.replay(principal, origin, fingerprint), replayed: true };
      case 'runs_per_minute':
        this.logger.warn({ creator: principal.creatorUid, limit: 'runs_per_minute', recent: inserted.recent }, 'run.limited');
        throw new ApiException(
          429,
          'tenant_run_rate_limited',
          `Too many runs: this tenant created ${inserted.recent} runs in the last minute and may create at most ` +
            `${limits.runsPerMinute} per minute (OZ_TENANT_RUNS_PER_MINUTE); retry in ${inserted.retryAfterSeconds} s`,
          undefined,
          inserted.retryAfterSeconds,
        );
      case 'unfinished_runs':
        this.logger.warn({ creator: principal.creatorUid, limit: 'unfinished_runs', unfinished: inserted.unfinished }, 'run.limited');
        throw new ApiException(
          429,
          'tenant_unfinished_runs_limited',
          `Too many unfinished runs: this tenant has ${inserted.unfinished} runs queued or running and may have at most ` +
            `${limits.maxUnfinishedRuns} at once (OZ_TENANT_MAX_UNFINISHED_RUNS); retry once one has finished, or cancel one`,
          undefined,
          UNFINISHED_RETRY_AFTER_SECONDS,
        );
    }
  }

  async list(principal: Principal, query: ListRunsQueryDto): Promise<RunListResponse> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const { runs, hasMore } = await this.runs.list(
      ownerScope(principal),
      {
        states: query.state,
        source: query.source,
        environmentId: query.environment_id,
        modelId: query.model_id,
        configName: query.name,
        text: query.q,
        scheduleId: query.schedule_id,
        skillSpec: query.skill ?? query.skill_spec,
        creatorUid: query.creator,
        artifactType: query.artifact_type,
        createdAfter: query.created_after ? new Date(query.created_after) : undefined,
        createdBefore: query.created_before ? new Date(query.created_before) : undefined,
        updatedAfter: query.updated_after ? new Date(query.updated_after) : undefined,
      },
      limit,
      after,
    );
    const last = runs[runs.length - 1];
    return {
      runs: runs.map((run) => toRunItem(run, principal)),
      page_info: hasMore && last ? { has_next_page: true, next_cursor: encodeCursor(last) } : { has_next_page: false },
    };
  }

  async get(principal: Principal, id: string): Promise<RunEntity> {
    const run = await this.runs.findById(id, ownerScope(principal));
    if (!run) throw ApiException.notFound('Run', id);
    return run;
  }

  /** Cancels an unfinished run. A finished run is refused with 400 and stays exactly as it was. */
  async cancel(principal: Principal, id: string): Promise<RunEntity> {
    const scope = ownerScope(principal);
    const moved = await this.runs.cancel(id, scope, 'Cancelled by request');
    const run = await this.runs.findById(id, scope);
    if (!run) throw ApiException.notFound('Run', id);
    if (!moved && isTerminalRunState(run.state)) {
      throw new ApiException(400, 'invalid_state', `Run ${id} already finished as ${run.state}; it cannot be cancelled`);
    }
    if (moved) this.logger.log({ runId: id }, 'run.cancelled');
    return run;
  }

  private async replay(principal: Principal, origin: RunOrigin, fingerprint: string): Promise<RunEntity> {
    if (origin.schedule) {
      // This slot of the schedule already has its run: the firing happened once, which is the point.
      const existing = await this.runs.findByScheduleSlot(origin.schedule.id, origin.schedule.slot);
      if (existing) return existing;
    }
    const existing = origin.idempotencyKey
      ? await this.runs.findByIdempotencyKey(principal.tenantKey, origin.idempotencyKey)
      : null;
    if (!existing) throw ApiException.conflict('The run could not be created because an identical one exists');
    return sameRequest(existing, fingerprint);
  }

  /** Keys are sorted first: JSON objects are unordered, so a retry may send the same fields in another order. */
  private fingerprintOf(request: CreateRunDto): string {
    return createHmac('sha256', this.fingerprintKey).update(canonicalJson(request)).digest('hex');
  }
}

/** The run an idempotency key names, when the request is the one that made it. */
function sameRequest(existing: RunEntity, fingerprint: string): RunEntity {
  if (existing.requestFingerprint !== fingerprint) {
    throw new ApiException(422, 'idempotency_key_reused', 'Idempotency-Key was already used for a different request; use a new key for a new run');
  }
  return existing;
}

function titleFrom(prompt: string): string {
  // Any line break ends the line (a CRLF prompt would otherwise leave a '\r' in the title), and the
  // cut is made on code points so an emoji is never split into a lone surrogate.
  const firstLine = Array.from(prompt.trim().split(/\r\n|\r|\n/, 1)[0]?.trim() ?? '');
  return firstLine.length > 80 ? `${firstLine.slice(0, 77).join('')}...` : firstLine.join('');
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
