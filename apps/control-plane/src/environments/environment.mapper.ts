import { REDACTED_SECRET, type EnvironmentItem } from '@oz/contract';
import type { EnvironmentEntity } from './environment.entity';

/** Secrets are never echoed: every key maps to the redaction marker, whoever asks (admin included). */
export function toEnvironmentItem(environment: EnvironmentEntity): EnvironmentItem {
  return {
    id: environment.id,
    environment_id: environment.id,
    name: environment.name,
    description: environment.description,
    docker_image: environment.dockerImage,
    repos: environment.repos,
    setup_commands: environment.setupCommands,
    env_vars: Object.fromEntries(environment.envVarNames.map((name) => [name, REDACTED_SECRET])),
    created_at: environment.createdAt.toISOString(),
    updated_at: environment.updatedAt.toISOString(),
  };
}
