import { REDACTED_SECRET, type AmbientAgentConfig } from '@oz/contract';
import { ApiException } from '@oz/server-kit';

/**
 * Takes a run's `task_env` (variables for its task container, see TASK_ENV_PREFIX) out of its
 * config: the config to store and show, each value replaced by "<redacted>" (the names stay, so a
 * reader sees what is set), and the values to seal (null when there are none). A "<redacted>" value
 * names nothing a new run could keep, so it is refused, naming the field.
 */
export function withoutTaskEnv(config: AmbientAgentConfig): { config: AmbientAgentConfig; taskEnv: Record<string, string> | null } {
  const { task_env: taskEnv, ...rest } = config;
  if (!taskEnv || Object.keys(taskEnv).length === 0) return { config: rest, taskEnv: null };
  for (const [name, value] of Object.entries(taskEnv)) {
    if (value === REDACTED_SECRET) {
      const field = `config.task_env.${name}`;
      throw ApiException.badRequest(`${field} is "${REDACTED_SECRET}", which names no stored value; send the value itself`, [
        { field, message: `"${REDACTED_SECRET}" names no stored value` },
      ]);
    }
  }
  return { config: { ...rest, task_env: redactedValues(taskEnv) }, taskEnv: { ...taskEnv } };
}

/** The config as any answer shows it: every `task_env` value "<redacted>", whatever is stored. */
export function redactedTaskEnv(config: AmbientAgentConfig): AmbientAgentConfig {
  return config.task_env ? { ...config, task_env: redactedValues(config.task_env) } : config;
}

function redactedValues(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(values).map((name) => [name, REDACTED_SECRET]));
}
