import { Injectable, Logger } from '@nestjs/common';
import { isTerminalRunState, type RunListResponse, type RunSource } from '@oz/contract';
import { createHash, randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { ownerScope, type Principal } from '../common/auth/principal';
import { decodeCursor, encodeCursor } from '../common/http/cursor';
import { ApiException } from '@oz/server-kit';
import { EnvironmentsService } from '../environments/environments.service';
import type { CreateRunDto } from './dto/create-run.dto';
import { DEFAULT_PAGE_SIZE, type ListRunsQueryDto } from './dto/list-runs.dto';
import { toRunItem } from './run.mapper';
import { RunEntity } from './run.entity';
import { RunsRepository } from './runs.repository';

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

@Injectable()
export class RunsService {
  private readonly logger = new Logger('runs');

  constructor(
    private readonly runs: RunsRepository,
    private readonly environments: EnvironmentsService,
  ) {}

  /**
   * Creates a run: PENDING when it names an environment (a worker will run it), else QUEUED (the
   * provider router will). With an idempotency key, a retry returns the run the first call made.
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
    if (config.environment_id && !(await this.environments.isVisible(principal, config.environment_id))) {
      throw ApiException.notFound('Environment', config.environment_id);
    }

    const fingerprint = fingerprintOf(request);
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
    const run = Object.assign(new RunEntity(), {
      id: randomUUID(),
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
      agentConfig: { ...config },
      images: request.images?.length ? request.images.map((i) => ({ data: i.data, mime_type: i.mime_type })) : null,
      artifacts: [],
      sessionLink: null,
      statusMessage: null,
      output: null,
      providerKey: null,
      providerType: null,
      providerModel: null,
      idempotencyKey: origin.idempotencyKey ?? null,
      requestFingerprint: fingerprint,
      createdAt: now,
      updatedAt: now,
      startedAt: null,
      completedAt: null,
    } satisfies RunEntity);

    if (await this.runs.insert(run, manager)) {
      this.logger.log({ runId: run.id, state: run.state, source: run.source }, 'run.created');
      return { run, replayed: false };
    }
    return { run: await this.replay(principal, origin, fingerprint), replayed: true };
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
      runs: runs.map(toRunItem),
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
    if (existing.requestFingerprint !== fingerprint) {
      throw new ApiException(
        422,
        'idempotency_key_reused',
        'Idempotency-Key was already used for a different request; use a new key for a new run',
      );
    }
    return existing;
  }
}

function titleFrom(prompt: string): string {
  // Any line break ends the line (a CRLF prompt would otherwise leave a '\r' in the title), and the
  // cut is made on code points so an emoji is never split into a lone surrogate.
  const firstLine = Array.from(prompt.trim().split(/\r\n|\r|\n/, 1)[0]?.trim() ?? '');
  return firstLine.length > 80 ? `${firstLine.slice(0, 77).join('')}...` : firstLine.join('');
}

/** Keys are sorted first: JSON objects are unordered, so a retry may send the same fields in another order. */
function fingerprintOf(request: CreateRunDto): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
