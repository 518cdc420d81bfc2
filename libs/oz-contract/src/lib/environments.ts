/** Wire types of `/api/v1/environments`: the image, repos and setup a worker run starts from. */

export interface EnvironmentParams {
  name: string;
  docker_image: string;
  description?: string | null;
  repos?: string[];
  setup_commands?: string[];
  /** Secrets: encrypted at rest, delivered only to task containers, never echoed back. */
  env_vars?: Record<string, string>;
  /** Seconds a task may run before it is stopped and its run fails (`task_timeout`); null: the server default. */
  task_timeout_seconds?: number | null;
}

/** The value every secret has in a response. */
export const REDACTED_SECRET = '<redacted>';

export interface EnvironmentItem {
  id: string;
  /** Alias of id, the name run configs use (`config.environment_id`). */
  environment_id: string;
  name: string;
  description: string | null;
  docker_image: string;
  repos: string[];
  setup_commands: string[];
  /** Every key the environment has, each mapped to REDACTED_SECRET. */
  env_vars: Record<string, string>;
  /** Seconds a task may run; null: the server default (OZ_TASK_TIMEOUT_SECONDS). Always sent by this server. */
  task_timeout_seconds?: number | null;
  created_at: string;
  updated_at: string;
}

export interface EnvironmentListResponse {
  environments: EnvironmentItem[];
}
