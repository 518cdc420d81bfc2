import type { ScheduledAgentItem } from '@oz/contract';
import { withoutMcpSecrets } from '../common/secrets/mcp-secrets';
import type { EnvironmentEntity } from '../environments/environment.entity';
import type { ScheduleEntity } from './schedule.entity';

export function toScheduledAgentItem(schedule: ScheduleEntity, environment?: EnvironmentEntity): ScheduledAgentItem {
  return {
    id: schedule.id,
    name: schedule.name,
    cron_schedule: schedule.cronSchedule,
    prompt: schedule.prompt,
    enabled: schedule.enabled,
    created_at: schedule.createdAt.toISOString(),
    updated_at: schedule.updatedAt.toISOString(),
    agent_config: withoutMcpSecrets(schedule.agentConfig).config,
    history: {
      last_ran: schedule.lastRanAt?.toISOString() ?? null,
      next_run: schedule.enabled ? (schedule.nextRunAt?.toISOString() ?? null) : null,
    },
    last_spawn_error: schedule.lastSpawnError,
    scope: { type: schedule.team ? 'Team' : 'User' },
    ...(environment
      ? {
          environment: {
            name: environment.name,
            description: environment.description,
            docker_image: environment.dockerImage,
            setup_commands: environment.setupCommands,
          },
        }
      : {}),
  };
}
