import { REDACTED_SECRET, type EnvironmentItem, type EnvironmentParams } from '@oz/contract';

/** One secret row: an existing one keeps its value unless a new one is typed (values are never shown). */
export interface SecretRow {
  key: string;
  value: string;
  existing: boolean;
}

export interface EnvironmentForm {
  name: string;
  dockerImage: string;
  description: string;
  /** One per line. */
  repos: string;
  setupCommands: string;
  /** Minutes a task may run; empty: the server's default. */
  timeoutMinutes: string;
  secrets: SecretRow[];
}

export function emptyEnvironmentForm(): EnvironmentForm {
  return { name: '', dockerImage: '', description: '', repos: '', setupCommands: '', timeoutMinutes: '', secrets: [] };
}

export function environmentFormOf(env: EnvironmentItem): EnvironmentForm {
  return {
    name: env.name,
    dockerImage: env.docker_image,
    description: env.description ?? '',
    repos: env.repos.join('\n'),
    setupCommands: env.setup_commands.join('\n'),
    timeoutMinutes: env.task_timeout_seconds ? String(Math.round((env.task_timeout_seconds / 60) * 100) / 100) : '',
    secrets: Object.keys(env.env_vars).map((key) => ({ key, value: '', existing: true })),
  };
}

const lines = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);

/**
 * The body to send. Secrets are write-only: an existing one left blank is sent as the redaction
 * marker, which the control plane reads as "keep it"; a removed row is left out, which deletes it.
 */
export function environmentParamsOf(form: EnvironmentForm): { params: EnvironmentParams; problems: string[] } {
  const problems: string[] = [];
  if (!form.name.trim()) problems.push('Give the environment a name.');
  if (!form.dockerImage.trim()) problems.push('Name the Docker image runs start from (for example node:22).');
  const timeout = form.timeoutMinutes.trim();
  const minutes = Number(timeout);
  if (timeout && !(Number.isFinite(minutes) && minutes > 0)) problems.push('The task timeout is a number of minutes above 0 (or empty for the server default).');
  const env: Record<string, string> = {};
  for (const row of form.secrets) {
    const key = row.key.trim();
    if (!key && !row.value) continue;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) problems.push(`"${key || '(empty)'}" is not a valid variable name (letters, digits, _; not starting with a digit).`);
    else if (key in env) problems.push(`${key} is set twice.`);
    else if (!row.value && !row.existing) problems.push(`${key} has no value.`);
    else if (/[\r\n]/.test(row.value)) problems.push(`${key}: values are single-line.`);
    else env[key] = row.value || REDACTED_SECRET;
  }
  return {
    params: {
      name: form.name.trim(),
      docker_image: form.dockerImage.trim(),
      description: form.description.trim() || null,
      repos: lines(form.repos),
      setup_commands: lines(form.setupCommands),
      env_vars: env,
      task_timeout_seconds: timeout && minutes > 0 ? Math.round(minutes * 60) : null,
    },
    problems,
  };
}
