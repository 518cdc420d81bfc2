import { Injectable, Logger } from '@nestjs/common';
import type { AmbientAgentConfig, ScheduledAgentItem } from '@oz/contract';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { ownerScope, type Principal } from '../common/auth/principal';
import { ApiException } from '@oz/server-kit';
import { keepRedactedMcpSecrets, withMcpSecrets, withoutMcpSecrets, type McpSecrets } from '../common/secrets/mcp-secrets';
import { SecretBox, secretContext } from '../common/secrets/secret-box';
import { CredentialsService } from '../credentials/credentials.service';
import { EnvironmentsService } from '../environments/environments.service';
import { RunsService } from '../runs/runs.service';
import { nextCronSlot } from './cron';
import type { CreateScheduleDto, UpdateScheduleDto } from './dto/schedule.dto';
import { toScheduledAgentItem } from './schedule.mapper';
import { ScheduleEntity } from './schedule.entity';
import { SchedulesRepository } from './schedules.repository';

@Injectable()
export class SchedulesService {
  private readonly logger = new Logger('schedules');

  constructor(
    private readonly schedules: SchedulesRepository,
    private readonly environments: EnvironmentsService,
    private readonly runs: RunsService,
    private readonly box: SecretBox,
    private readonly credentials: CredentialsService,
  ) {}

  async create(principal: Principal, request: CreateScheduleDto): Promise<ScheduledAgentItem> {
    await this.checkEnvironment(principal, request.agent_config?.environment_id);
    const now = new Date();
    const schedule = Object.assign(new ScheduleEntity(), {
      id: randomUUID(),
      tenantKey: principal.tenantKey,
      creatorUid: principal.creatorUid,
      team: request.team ?? false,
      lastRanAt: null,
      lastSpawnError: null,
      createdAt: now,
    });
    this.apply(schedule, request, request.enabled ?? true, now);
    await this.schedules.save(schedule);
    this.logger.log({ scheduleId: schedule.id, nextRunAt: schedule.nextRunAt }, 'schedule.created');
    return this.present(principal, schedule);
  }

  /** Sorted by name, as the SDK documents. */
  async list(principal: Principal): Promise<ScheduledAgentItem[]> {
    return this.presentAll(principal, await this.schedules.list(ownerScope(principal)));
  }

  async get(principal: Principal, id: string): Promise<ScheduledAgentItem> {
    return this.present(principal, await this.find(principal, id));
  }

  /** Full replacement; changes apply to future firings only. */
  async update(principal: Principal, id: string, request: UpdateScheduleDto): Promise<ScheduledAgentItem> {
    await this.checkEnvironment(principal, request.agent_config?.environment_id);
    const schedule = await this.schedules.updateLocked(id, ownerScope(principal), (s) =>
      this.apply(s, request, request.enabled, new Date()),
    );
    if (!schedule) throw ApiException.notFound('Schedule', id);
    this.logger.log({ scheduleId: id }, 'schedule.updated');
    return this.present(principal, schedule);
  }

  async setEnabled(principal: Principal, id: string, enabled: boolean): Promise<ScheduledAgentItem> {
    let changed = false;
    const schedule = await this.schedules.updateLocked(id, ownerScope(principal), (s) => {
      if (s.enabled === enabled) return;
      const now = new Date();
      s.enabled = enabled;
      s.nextRunAt = enabled ? nextCronSlot(s.cronSchedule, now) : null;
      s.updatedAt = now;
      changed = true;
    });
    if (!schedule) throw ApiException.notFound('Schedule', id);
    if (changed) this.logger.log({ scheduleId: id }, enabled ? 'schedule.resumed' : 'schedule.paused');
    return this.present(principal, schedule);
  }

  /** Deleting a schedule keeps the runs it made; they still name it in `schedule`. */
  async delete(principal: Principal, id: string): Promise<void> {
    await this.find(principal, id);
    await this.schedules.delete(id);
    this.logger.log({ scheduleId: id }, 'schedule.deleted');
  }

  /**
   * Fires every due schedule once: creates its run in the same transaction that moves next_run_at on.
   * A slot missed while no replica was up fires once, late; the slots in between are skipped.
   */
  async fireDue(now = new Date(), batchSize = 50): Promise<number> {
    return this.schedules.withDueSchedules(now, batchSize, async (due, manager) => {
      for (const schedule of due) await this.fire(schedule, now, manager);
    });
  }

  private async fire(schedule: ScheduleEntity, now: Date, manager: EntityManager): Promise<void> {
    const slot = schedule.nextRunAt as Date;
    const owner: Principal = {
      tenantKey: schedule.tenantKey,
      isAdmin: schedule.creatorUid === 'admin',
      creatorUid: schedule.creatorUid,
    };
    try {
      if (!owner.isAdmin && !(await this.credentials.tenantMayAct(owner.tenantKey))) {
        throw new ApiException(403, 'not_authorized', "The schedule's tenant key was revoked (or never issued): it starts no runs");
      }
      let config: AmbientAgentConfig;
      try {
        config = withMcpSecrets(schedule.agentConfig, this.openSecrets(schedule));
      } catch {
        throw new ApiException(500, 'internal_error', "The schedule's MCP secrets cannot be decrypted; set them again (PUT)");
      }
      // In a savepoint: a database error creating this run must not roll back the whole batch, or the
      // same schedule would fail first in every poll and block the ones behind it.
      const { run } = await manager.transaction((savepoint) =>
        this.runs.create(
          owner,
          { prompt: schedule.prompt, config, team: schedule.team },
          {
            source: 'SCHEDULED_AGENT',
            schedule: { id: schedule.id, name: schedule.name, cronSchedule: schedule.cronSchedule, slot },
          },
          savepoint,
        ),
      );
      schedule.lastSpawnError = null;
      this.logger.log({ scheduleId: schedule.id, runId: run.id, slot }, 'schedule.fired');
    } catch (error) {
      this.logger.warn({ scheduleId: schedule.id, slot, err: error }, 'schedule.spawn_failed');
      if (!(error instanceof ApiException)) {
        // Infrastructure trouble (a lost connection, a deadlock): keep the slot due so the next poll
        // retries it, rather than skip a run the schedule owes.
        schedule.lastSpawnError = 'The run could not be created yet; retrying';
        await this.schedules.save(schedule, manager);
        return;
      }
      // The request itself is wrong (say its environment was deleted): retrying cannot help.
      schedule.lastSpawnError = error.message;
    }
    schedule.lastRanAt = now;
    schedule.nextRunAt = nextCronSlot(schedule.cronSchedule, now);
    await this.schedules.save(schedule, manager);
  }

  private apply(schedule: ScheduleEntity, request: CreateScheduleDto, enabled: boolean, now: Date): void {
    const cronChanged = schedule.cronSchedule !== request.cron_schedule;
    schedule.name = request.name.trim();
    schedule.cronSchedule = request.cron_schedule.trim();
    schedule.prompt = request.prompt;
    const { config, secrets } = withoutMcpSecrets({ ...(request.agent_config ?? {}) });
    const kept = keepRedactedMcpSecrets('agent_config', secrets, this.openSecrets(schedule));
    schedule.agentConfig = config;
    schedule.mcpSecretsCiphertext = kept ? this.box.seal(JSON.stringify(kept), secretContext('schedules', 'mcp_secrets', schedule.id)) : null;
    if (!enabled) schedule.nextRunAt = null;
    else if (cronChanged || !schedule.enabled || !schedule.nextRunAt) schedule.nextRunAt = nextCronSlot(schedule.cronSchedule, now);
    schedule.enabled = enabled;
    schedule.updatedAt = now;
  }

  /** The schedule's MCP headers and env values, opened (null when it has none). */
  private openSecrets(schedule: ScheduleEntity): McpSecrets | null {
    if (!schedule.mcpSecretsCiphertext) return null;
    return JSON.parse(this.box.open(schedule.mcpSecretsCiphertext, secretContext('schedules', 'mcp_secrets', schedule.id))) as McpSecrets;
  }

  private async find(principal: Principal, id: string): Promise<ScheduleEntity> {
    const schedule = await this.schedules.findById(id, ownerScope(principal));
    if (!schedule) throw ApiException.notFound('Schedule', id);
    return schedule;
  }

  private async checkEnvironment(principal: Principal, environmentId: string | undefined): Promise<void> {
    if (environmentId && !(await this.environments.isVisible(principal, environmentId))) {
      throw ApiException.notFound('Environment', environmentId);
    }
  }

  private async present(principal: Principal, schedule: ScheduleEntity): Promise<ScheduledAgentItem> {
    return (await this.presentAll(principal, [schedule]))[0];
  }

  /** Wire items with each schedule's environment block, loaded in one query. */
  private async presentAll(principal: Principal, schedules: ScheduleEntity[]): Promise<ScheduledAgentItem[]> {
    const ids = schedules.map((s) => s.agentConfig.environment_id).filter((id): id is string => !!id);
    const environments = ids.length ? await this.environments.findVisible(principal, ids) : new Map();
    return schedules.map((s) => toScheduledAgentItem(s, environments.get(s.agentConfig.environment_id ?? '')));
  }
}
