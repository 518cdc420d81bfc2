import { variableDescriptions } from '@oz/server-kit';
import { parseArgs } from 'node:util';
import { WorkerEnv } from './worker-env';

interface Flag {
  name: string;
  /** What the value is called in the usage; none for a switch. */
  value?: string;
  /** The variable this flag overrides. */
  variable?: keyof WorkerEnv;
  repeatable?: boolean;
  help: string;
}

const FLAGS: Flag[] = [
  { name: 'worker-id', value: 'NAME', variable: 'OZ_WORKER_ID', help: "this worker's id" },
  { name: 'max-concurrent-tasks', value: 'N', variable: 'OZ_MAX_CONCURRENT_TASKS', help: 'tasks run at once' },
  { name: 'control-plane-url', value: 'URL', variable: 'OZ_CONTROL_PLANE_URL', help: 'http(s) URL of the control plane' },
  { name: 'api-key', value: 'KEY', variable: 'OZ_WORKER_API_KEY', help: 'admin key or OZ_WORKER_TOKEN' },
  { name: 'no-cleanup', help: 'keep task containers (and their logs) after they exit' },
  { name: 'allow-insecure-ws', variable: 'OZ_ALLOW_INSECURE_WS', help: 'allow ws:// to a control plane on another machine (token unencrypted)' },
  { name: 'mount', value: 'HOST:CONTAINER[:ro]', repeatable: true, help: 'bind-mount into every task container (repeatable; adds to OZ_TASK_MOUNTS)' },
  { name: 'help', help: 'print this and exit' },
];

/** What the command line says: variables it overrides, and what only flags can say. */
export interface CommandLine {
  help: boolean;
  /** Flag values by the variable they stand for; they win over the environment. */
  overrides: Partial<Record<keyof WorkerEnv, string>>;
  mounts: string[];
  cleanup: boolean;
}

/** Thrown for an unknown flag or a flag without its value; the message says which. */
export class CommandLineError extends Error {}

export function parseCommandLine(argv: string[]): CommandLine {
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: Object.fromEntries(FLAGS.map((flag) => [flag.name, { type: flag.value ? 'string' : 'boolean', multiple: flag.repeatable ?? false }])),
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new CommandLineError((error as Error).message);
  }
  const overrides: CommandLine['overrides'] = {};
  for (const flag of FLAGS) {
    const value = values[flag.name];
    if (flag.variable && typeof value === 'string') overrides[flag.variable] = value;
    if (flag.variable && value === true) overrides[flag.variable] = 'true'; // a switch
  }
  return {
    help: values['help'] === true,
    overrides,
    mounts: (values['mount'] ?? []) as string[],
    cleanup: values['no-cleanup'] !== true,
  };
}

export const USAGE_LINE = 'Usage: oz-worker --worker-id NAME [options]';

/** `--help`: the flags, then every variable with its default (both generated, so they cannot drift). */
export function usage(): string {
  const defaults = new WorkerEnv() as unknown as Record<string, unknown>;
  const flagLines = FLAGS.map((flag) => {
    const left = `--${flag.name}${flag.value ? ` ${flag.value}` : ''}`;
    return `  ${left.padEnd(30)}${flag.help}${flag.variable ? ` (env ${flag.variable})` : ''}`;
  });
  const variableLines = variableDescriptions(WorkerEnv).map((variable) => {
    const value = defaults[variable.name];
    const shown = variable.required ? 'required' : variable.secret || value === undefined ? '' : `default ${String(value)}`;
    return `  ${variable.name}${shown ? ` (${shown})` : ''}\n      ${variable.description.replace(/`/g, '')}`;
  });
  return [USAGE_LINE, ...flagLines, 'Environment (a flag wins over its variable):', ...variableLines].join('\n');
}
