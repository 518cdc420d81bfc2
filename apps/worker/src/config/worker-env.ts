import { WORKER_ID_PATTERN, WORKER_ID_RULE } from '@oz/contract';
import { describeVariable, emptyToUndefined, LOG_LEVELS, toBoolean } from '@oz/server-kit';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsNumber, IsOptional, IsPositive, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import 'reflect-metadata';

/**
 * For @Transform: a number when the text is one, otherwise the text itself, so that the validator's
 * message can quote what was given ("got "lots"") rather than NaN.
 */
const toNumber = ({ value }: { value: unknown }) => (typeof value === 'string' && !Number.isNaN(Number(value)) ? Number(value) : value);

const wholeNumber = (name: string, min: number) => `${name} must be a whole number ≥ ${min} (got "$value")`;

/**
 * Every environment variable the worker reads, validated once at start-up (flags, where there is one,
 * win over the variable; see command-line.ts). Nothing else in the worker touches process.env. The
 * README's table is generated from these descriptions (`npm run docs:env`).
 */
export class WorkerEnv {
  @describeVariable('This worker\'s name (`--worker-id`): 1–128 letters, digits, dots, dashes or underscores, not starting with "warp".', { required: true })
  @Matches(WORKER_ID_PATTERN, { message: `--worker-id (OZ_WORKER_ID) "$value" is not a worker id: ${WORKER_ID_RULE}` })
  @IsString({ message: `--worker-id (or OZ_WORKER_ID) is required: ${WORKER_ID_RULE}` })
  OZ_WORKER_ID!: string;

  @describeVariable('Tasks this worker runs at once (`--max-concurrent-tasks`); it rejects assignments beyond that.')
  @Transform(toNumber)
  @Min(1, { message: wholeNumber('--max-concurrent-tasks (OZ_MAX_CONCURRENT_TASKS)', 1) })
  @IsInt({ message: wholeNumber('--max-concurrent-tasks (OZ_MAX_CONCURRENT_TASKS)', 1) })
  OZ_MAX_CONCURRENT_TASKS = 2;

  @describeVariable('http(s) URL of the control plane (`--control-plane-url`); the worker connects to its WebSocket gateway.')
  @IsString()
  OZ_CONTROL_PLANE_URL = 'http://localhost:8080';

  @describeVariable('Bearer token of the worker channel (`--api-key`): the admin key or the control plane\'s OZ_WORKER_TOKEN.', { required: true, secret: true })
  @MinLength(8, { message: '--api-key (or OZ_WORKER_API_KEY) is required: the admin key or OZ_WORKER_TOKEN (at least 8 characters)' })
  @IsString({ message: '--api-key (or OZ_WORKER_API_KEY) is required: the admin key or OZ_WORKER_TOKEN' })
  OZ_WORKER_API_KEY!: string;

  @describeVariable('Connect over plain `ws://` to a control plane that is not on this machine (`--allow-insecure-ws`): the worker token and every task\'s secrets then cross the network unencrypted. Off: such a URL is refused (use https).')
  @Transform(toBoolean)
  @IsBoolean({ message: 'OZ_ALLOW_INSECURE_WS must be true or false (got "$value")' })
  OZ_ALLOW_INSECURE_WS = false;

  @describeVariable('Images this worker runs tasks in, comma-separated globs (`*` any characters, `?` one), matched against the image name as the environment gives it (`ghcr.io/acme/*,node:22*`). Unset: any image. A task in another image fails (`invalid_image`).')
  @IsOptional()
  @IsString()
  OZ_WORKER_ALLOWED_IMAGES?: string;

  @describeVariable('Bind mounts added to every task container, comma-separated `/host/path:/container/path[:ro]` (a repository mirror, a cache); `--mount` adds more.')
  @IsOptional()
  @IsString()
  OZ_TASK_MOUNTS?: string;

  @describeVariable('Failed connection attempts in a row after which the worker exits with 69; 0 retries forever.')
  @Transform(toNumber)
  @Min(0, { message: wholeNumber('OZ_RECONNECT_MAX_ATTEMPTS', 0) })
  @IsInt({ message: wholeNumber('OZ_RECONNECT_MAX_ATTEMPTS', 0) })
  OZ_RECONNECT_MAX_ATTEMPTS = 0;

  @describeVariable('Only failed attempts within this many seconds count towards OZ_RECONNECT_MAX_ATTEMPTS; 0 counts them all.')
  @Transform(toNumber)
  @Min(0, { message: wholeNumber('OZ_RECONNECT_WINDOW_SECONDS', 0) })
  @IsInt({ message: wholeNumber('OZ_RECONNECT_WINDOW_SECONDS', 0) })
  OZ_RECONNECT_WINDOW_SECONDS = 0;

  @describeVariable('Memory limit of each task container, in MiB (swap included).')
  @Transform(toNumber)
  @Min(16, { message: wholeNumber('OZ_TASK_MEMORY_MB', 16) })
  @IsInt({ message: wholeNumber('OZ_TASK_MEMORY_MB', 16) })
  OZ_TASK_MEMORY_MB = 4096;

  @describeVariable('CPUs each task container may use (fractions allowed).')
  @Transform(toNumber)
  @IsPositive({ message: 'OZ_TASK_CPUS must be a positive number (got "$value")' })
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'OZ_TASK_CPUS must be a positive number (got "$value")' })
  OZ_TASK_CPUS = 2;

  @describeVariable('Processes each task container may run at once.')
  @Transform(toNumber)
  @Min(16, { message: wholeNumber('OZ_TASK_PIDS_LIMIT', 16) })
  @IsInt({ message: wholeNumber('OZ_TASK_PIDS_LIMIT', 16) })
  OZ_TASK_PIDS_LIMIT = 1024;

  @describeVariable('Docker network of task containers: `none`, `bridge`, `host` or a network name. A name that does not exist is created as an isolated bridge (no traffic between tasks) whose traffic to the cloud metadata address (169.254.0.0/16) and to this host is dropped by iptables rules the worker installs when it can (docs/workers.md).')
  @IsString()
  OZ_TASK_NETWORK = 'oz-tasks';

  @describeVariable('TCP ports of this host that tasks on the network the worker made may still reach, comma-separated (a control plane or model server on this host); every other host service is blocked.')
  @IsOptional()
  @Matches(/^\s*\d{1,5}(\s*,\s*\d{1,5})*\s*$/, { message: 'OZ_TASK_NETWORK_HOST_PORTS must be comma-separated port numbers (got "$value")' })
  OZ_TASK_NETWORK_HOST_PORTS?: string;

  @describeVariable('Size of a task container\'s log file before Docker rotates it (json-file `max-size`: a number with k, m or g).')
  @Matches(/^[1-9][0-9]*[kmg]?$/, { message: 'OZ_TASK_LOG_MAX_SIZE must be a size like 10m, 500k or 1g (got "$value")' })
  OZ_TASK_LOG_MAX_SIZE = '10m';

  @describeVariable('Log files Docker keeps per task container (json-file `max-file`): the most a task\'s log takes is this times OZ_TASK_LOG_MAX_SIZE.')
  @Transform(toNumber)
  @Min(1, { message: wholeNumber('OZ_TASK_LOG_MAX_FILES', 1) })
  @IsInt({ message: wholeNumber('OZ_TASK_LOG_MAX_FILES', 1) })
  OZ_TASK_LOG_MAX_FILES = 3;

  @describeVariable('Log lines per second each task may send to the control plane (bursts of five seconds\' worth pass); lines beyond are dropped and counted in the log.')
  @Transform(toNumber)
  @Min(1, { message: wholeNumber('OZ_TASK_LOG_LINES_PER_SECOND', 1) })
  @IsInt({ message: wholeNumber('OZ_TASK_LOG_LINES_PER_SECOND', 1) })
  OZ_TASK_LOG_LINES_PER_SECOND = 200;

  @describeVariable('Port of the worker\'s `GET /metrics` (Prometheus); 0 turns it off. A port set here must be free or the worker does not start; the default one, taken by another worker on the same machine, only costs this one its metrics.')
  @Transform(toNumber)
  @Min(0, { message: 'OZ_METRICS_PORT must be a port number, or 0 for no metrics (got "$value")' })
  @Max(65_535, { message: 'OZ_METRICS_PORT must be a port number, or 0 for no metrics (got "$value")' })
  @IsInt({ message: 'OZ_METRICS_PORT must be a port number, or 0 for no metrics (got "$value")' })
  OZ_METRICS_PORT = 9464;

  @describeVariable('Address the metrics port binds to (`127.0.0.1`: this machine only).')
  @IsString()
  OZ_METRICS_HOST = '0.0.0.0';

  @describeVariable('Bearer token Prometheus must send to `GET /metrics`, 16+ characters. Unset: the metrics port answers anyone who reaches it.', { secret: true })
  @Transform(emptyToUndefined)
  @IsOptional()
  @MinLength(16, { message: 'OZ_METRICS_TOKEN must be at least 16 characters' })
  @IsString()
  OZ_METRICS_TOKEN?: string;

  @describeVariable('Log level: trace, debug, info, warn, error or fatal.')
  @IsIn(LOG_LEVELS, { message: `OZ_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "$value")` })
  OZ_LOG_LEVEL = 'info';
}
