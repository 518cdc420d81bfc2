import { redactUrlCredentials } from '@oz/server-kit';
import { REDACTED_SECRET, type EnvironmentItem } from '@oz/contract';
import type { EnvironmentEntity } from './environment.entity';

/**
 * Secrets are never echoed, whoever asks (admin included): every env_vars key maps to the redaction
 * marker, and a repo URL's credentials show as `***`.
 */
export function toEnvironmentItem(environment: EnvironmentEntity): EnvironmentItem {
  return {
    id: environment.id,
    environment_id: environment.id,
    name: environment.name,
    description: environment.description,
    docker_image: environment.dockerImage,
    repos: environment.repos.map(redactUrlCredentials),
    setup_commands: environment.setupCommands,
    task_timeout_seconds: environment.taskTimeoutSeconds,
    env_vars: Object.fromEntries(environment.envVarNames.map((name) => [name, REDACTED_SECRET])),
    created_at: environment.createdAt.toISOString(),
    updated_at: environment.updatedAt.toISOString(),
  };
}
