import type { TaskAssignment } from '@oz/contract';
import type { EnvironmentEntity } from '../environments/environment.entity';
import type { DispatchedRun } from './worker-runs.repository';

/**
 * The official `task_assignment` for one execution of a run: the task, its environment (secrets in
 * `envVars`, decrypted only for this message), the variables the sidecar's entrypoint reads, and (an
 * extension the official worker ignores) the execution's time limit. `apiBaseUrl` (the control
 * plane's /api/v1 as tasks reach it) becomes OZ_API_BASE_URL: the gateway and the task's reports.
 * The harness CLI's model is `harness.model_id`, else the run's `model_id`. The run's `task_env`
 * (opened for this message; names start with OZ_ROOM_) comes first, so nothing it holds could ever
 * stand in for a variable of the control plane's own.
 */
export function taskAssignment(
  run: DispatchedRun,
  environment: Pick<EnvironmentEntity, 'dockerImage' | 'repos' | 'setupCommands'>,
  envVars: Record<string, string>,
  options: { sidecarImage: string; taskToken: string; apiBaseUrl?: string | null; taskEnv?: Record<string, string> },
): TaskAssignment {
  const model = run.agentConfig.harness?.model_id ?? run.agentConfig.model_id;
  return {
    task_id: run.id,
    execution_id: run.executionId,
    task: {
      id: run.id,
      title: run.title,
      task_definition: { prompt: run.prompt },
      created_at: run.createdAt.toISOString(),
      updated_at: run.updatedAt.toISOString(),
      agent_config_snapshot: run.agentConfig,
    },
    docker_image: environment.dockerImage,
    sidecar_image: options.sidecarImage,
    env_vars: {
      ...options.taskEnv,
      OZ_TASK_PROMPT: run.prompt,
      OZ_TASK_TOKEN: options.taskToken,
      OZ_RUN_ID: run.id,
      ...(options.apiBaseUrl ? { OZ_API_BASE_URL: options.apiBaseUrl } : {}),
      OZ_ENV_REPOS: environment.repos.join('\n'),
      OZ_ENV_SETUP_COMMANDS: environment.setupCommands.join('\n'),
      OZ_ENV_VARS: Object.entries(envVars)
        .map(([name, value]) => `${name}=${value}`)
        .join('\n'),
      ...(run.agentConfig.harness?.type ? { OZ_HARNESS: run.agentConfig.harness.type } : {}),
      ...(model ? { OZ_MODEL_ID: model } : {}),
    },
    task_timeout_seconds: run.timeoutSeconds,
  };
}
