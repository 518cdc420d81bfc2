import type { AmbientAgentConfig } from './runs';

/** Wire types of `/api/v1/agent/schedules` (the SDK's `agent.schedules.*`). Cron is 5-field, UTC. */

export interface ScheduleCreateParams {
  name: string;
  cron_schedule: string;
  prompt: string;
  agent_config?: AmbientAgentConfig;
  enabled?: boolean;
  team?: boolean;
}

/** `PUT` replaces the whole schedule. */
export interface ScheduleUpdateParams {
  name: string;
  cron_schedule: string;
  prompt: string;
  enabled: boolean;
  agent_config?: AmbientAgentConfig;
}

export interface ScheduledAgentItem {
  id: string;
  name: string;
  cron_schedule: string;
  prompt: string;
  enabled: boolean;
  created_at: string;
  updated_at: string;
  agent_config: AmbientAgentConfig;
  history: { last_ran: string | null; next_run: string | null };
  last_spawn_error: string | null;
  scope: { type: 'User' | 'Team' };
  environment?: {
    name: string;
    description: string | null;
    docker_image: string;
    setup_commands: string[];
  };
}

export interface ScheduleListResponse {
  schedules: ScheduledAgentItem[];
}

export interface ScheduleDeleteResponse {
  success: boolean;
}
