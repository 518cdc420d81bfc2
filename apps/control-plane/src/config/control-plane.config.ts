import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
} from 'class-validator';
import { isValidWorkerId, WORKER_ID_RULE } from '@oz/contract';
import { loadCheckedProviderSettings, type ProviderSettings } from '@oz/providers';
import { hkdfSync } from 'node:crypto';
import 'reflect-metadata';
import {
  ConfigError,
  describeVariable,
  emptyToUndefined,
  parseCorsOrigins,
  parseEnv,
  isLoopbackHost,
  ServerEnv,
  toBoolean,
  toInt,
} from '@oz/server-kit';

export { ConfigError };

export const TENANCY_MODES = ['open', 'registered'] as const;
export type Tenancy = (typeof TENANCY_MODES)[number];

/**
 * Every environment variable the control plane reads, validated once at start-up. Nothing else in the
 * app touches process.env. Each variable carries its default and a one-line description; the README's
 * table is generated from them (`npm run docs:env`).
 */
export class ControlPlaneEnv extends ServerEnv {
  override PORT = 8080;

  @describeVariable('Admin bearer token: sees every tenant and may connect workers. Required unless OZ_ALLOW_NO_ADMIN_KEY=true.', { secret: true })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'OZ_ADMIN_API_KEY must be at least 16 characters' })
  OZ_ADMIN_API_KEY?: string;

  @describeVariable('Who is a tenant. `open`: any bearer token of 8+ characters is a tenant of its own. `registered`: only tenant keys the admin issued (POST /api/v1/admin/tenant-keys); other tokens get 401. Default: `open` when HOST is a loopback address (127.0.0.1, ::1, localhost), else `registered`.')
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(TENANCY_MODES, { message: 'OZ_TENANCY must be open or registered' })
  OZ_TENANCY?: Tenancy;

  @describeVariable('Tenant keys set by the operator, besides those the admin issues: `workspace=<token>,ci=<token>` (name=token, tokens of 16+ characters). Each token is a tenant under any tenancy (its tenant key is sha256 of the token, as for any tenant); to revoke one, take it out and restart.', { secret: true })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  OZ_TENANT_KEYS?: string;

  @describeVariable('Runs one tenant may create per minute, counted across replicas (429 with Retry-After beyond it); 0 turns the limit off. Default: 60 with registered tenancy, off with open tenancy. The admin key is never limited.')
  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(0)
  OZ_TENANT_RUNS_PER_MINUTE?: number;

  @describeVariable('Unfinished runs (queued, pending, claimed or in progress) one tenant may have at once (429 with Retry-After beyond it); 0 turns the limit off. Default: 50 with registered tenancy, off with open tenancy.')
  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(0)
  OZ_TENANT_MAX_UNFINISHED_RUNS?: number;

  @describeVariable('Allow starting without an admin key (then nobody is admin).')
  @Transform(toBoolean)
  @IsBoolean()
  OZ_ALLOW_NO_ADMIN_KEY = false;

  @describeVariable('Key that encrypts environment secrets at rest: 32 bytes, base64. Without it a key is derived from OZ_ADMIN_API_KEY.', { secret: true })
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[A-Za-z0-9+/]{43}=$/, { message: 'OZ_SECRETS_KEY must be 32 bytes encoded as base64 (44 characters)' })
  OZ_SECRETS_KEY?: string;

  @describeVariable('Terminal runs older than this many days are deleted; 0 or less turns retention off.')
  @Transform(toInt)
  @IsInt()
  OZ_RUN_RETENTION_DAYS = 30;

  @describeVariable('How often the retention sweep runs, in milliseconds.')
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  OZ_RETENTION_SWEEP_INTERVAL_MS = 3_600_000;

  @describeVariable('Runs deleted per statement by the retention sweep.')
  @Transform(toInt)
  @IsInt()
  @Min(1)
  OZ_RETENTION_BATCH_SIZE = 1000;

  @describeVariable('Fire due schedules from this replica.')
  @Transform(toBoolean)
  @IsBoolean()
  OZ_SCHEDULER_ENABLED = true;

  @describeVariable('How often this replica looks for due schedules, in milliseconds.')
  @Transform(toInt)
  @IsInt()
  @Min(100)
  OZ_SCHEDULER_POLL_INTERVAL_MS = 10_000;

  @describeVariable('Provider runs (no environment) this replica executes at once; 0 leaves them to other replicas.')
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1000)
  OZ_EXECUTOR_CONCURRENCY = 8;

  @describeVariable('Seconds a replica holds a provider run without renewing; after that another replica takes it over.')
  @Transform(toInt)
  @IsInt()
  @Min(3)
  OZ_EXECUTOR_LEASE_SECONDS = 30;

  @describeVariable('How often an idle executor looks for queued runs, in milliseconds (a notification wakes it sooner).')
  @Transform(toInt)
  @IsInt()
  @Min(50)
  OZ_EXECUTOR_POLL_INTERVAL_MS = 5_000;

  @describeVariable('Times a provider run may be taken over after its replica stopped before it is failed.')
  @Transform(toInt)
  @IsInt()
  @Min(0)
  OZ_EXECUTOR_MAX_RECOVERIES = 3;

  @describeVariable('Worker tokens, each bound to one worker id: `build-1=<token>,build-2=<token>` (tokens of 16+ characters). A worker token connects only as its own worker_id and opens nothing else; the admin also issues them (POST /api/v1/admin/worker-tokens).', { secret: true })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  OZ_WORKER_TOKENS?: string;

  @describeVariable('One token all workers share, connecting as any worker_id (the weak option: prefer per-worker tokens, OZ_WORKER_TOKENS). It opens nothing but the worker channel.', { secret: true })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'OZ_WORKER_TOKEN must be at least 16 characters' })
  OZ_WORKER_TOKEN?: string;

  @describeVariable('Image whose /agent folder is mounted into every task container (the sidecar, docker/sidecar).')
  @IsString()
  OZ_WORKER_SIDECAR_IMAGE = 'oz-sidecar:latest';

  @describeVariable('Seconds a worker has to claim an assigned run before it goes back to PENDING.')
  @Transform(toInt)
  @IsInt()
  @Min(1)
  OZ_WORKER_CLAIM_TIMEOUT_SECONDS = 30;

  @describeVariable("Seconds a run stays its worker's without being renewed: our worker renews the runs it reports, the official worker's runs are renewed by any sign of it. A lapsed run waits one more lease for its worker to come back before it is failed or retried.")
  @Transform(toInt)
  @IsInt()
  @Min(5)
  OZ_WORKER_LEASE_SECONDS = 120;

  @describeVariable('What happens to a run whose worker was lost (and did not come back): FAILED (false) or back to PENDING for another worker (true).')
  @Transform(toBoolean)
  @IsBoolean()
  OZ_WORKER_RETRY_LOST_RUNS = false;

  @describeVariable('How often a replica looks for PENDING runs and lapsed worker leases, in milliseconds (a notification wakes it sooner).')
  @Transform(toInt)
  @IsInt()
  @Min(50)
  OZ_DISPATCH_POLL_INTERVAL_MS = 5_000;

  @describeVariable('Log lines kept per run (the oldest are dropped).')
  @Transform(toInt)
  @IsInt()
  @Min(0)
  OZ_RUN_LOG_MAX_LINES = 5_000;

  @describeVariable("Seconds a worker task may run when its environment sets no task_timeout_seconds; then it is stopped and its run FAILED (task_timeout).")
  @Transform(toInt)
  @IsInt()
  @Min(1)
  OZ_TASK_TIMEOUT_SECONDS = 7_200;

  @describeVariable("Seconds a worker run may wait PENDING for a worker before it is FAILED, saying why it waited (no worker connected, its pinned worker not connected, every worker busy). 0 or unset: it waits for as long as it takes.")
  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(0)
  OZ_PENDING_TIMEOUT_SECONDS?: number;

  @describeVariable("The control plane's base URL as task containers reach it (compose: `http://control-plane:8080`; Kubernetes: `http://oz-control-plane.<namespace>:8080`). Tasks get `OZ_API_BASE_URL` = this + `/api/v1`, for the LLM gateway and their own reports. Default: `http://127.0.0.1:PORT` when HOST is a loopback address (tasks of a worker on this machine using host networking), else none: tasks then have no gateway and send no reports.")
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  OZ_PUBLIC_URL?: string;
}

/** A worker token from OZ_WORKER_TOKENS: it connects only as `workerId`. */
export interface BoundWorkerToken {
  workerId: string;
  token: string;
}

/** A tenant key from OZ_TENANT_KEYS. */
export interface ConfiguredTenantKey {
  name: string;
  token: string;
}

export interface ControlPlaneConfig {
  databaseUrl: string;
  databasePoolSize: number;
  migrateOnStart: boolean;
  port: number;
  host: string;
  adminApiKey: string | null;
  /** `open`: any token is a tenant; `registered`: only issued tenant keys (see OZ_TENANCY). */
  tenancy: Tenancy;
  /** OZ_TENANT_KEYS: tenants under any tenancy, besides the keys the admin issues. */
  tenantKeys: ConfiguredTenantKey[];
  /** Per tenant, counted in the database; 0 means no limit. */
  tenantLimits: { runsPerMinute: number; maxUnfinishedRuns: number };
  secretsKey: Buffer;
  logLevel: string;
  corsOrigins: string[] | '*' | null;
  maxBodyBytes: number;
  /** OZ_METRICS_TOKEN: the bearer GET /metrics needs; null: open. */
  metricsToken: string | null;
  retention: { days: number; sweepIntervalMs: number; batchSize: number };
  scheduler: { enabled: boolean; pollIntervalMs: number };
  executor: { concurrency: number; leaseMs: number; pollIntervalMs: number; maxRecoveries: number };
  workers: {
    token: string | null;
    boundTokens: BoundWorkerToken[];
    sidecarImage: string;
    claimTimeoutMs: number;
    leaseMs: number;
    retryLostRuns: boolean;
    pollIntervalMs: number;
    logMaxLines: number;
    /** Default time limit of a task (an environment's task_timeout_seconds wins). */
    taskTimeoutSeconds: number;
    /** How long a run may wait PENDING for a worker; 0: for ever. */
    pendingTimeoutMs: number;
    /** `OZ_API_BASE_URL` of task containers: the public URL + /api/v1; null: tasks get none. */
    taskApiBaseUrl: string | null;
  };
  /** `OZ_PROVIDER_*` and the queue settings, read by @oz/providers (documented under Providers in the README). */
  providers: ProviderSettings;
}

export const CONTROL_PLANE_CONFIG = Symbol('CONTROL_PLANE_CONFIG');

/** Reads and checks the environment once; throws ConfigError naming every bad variable. */
export function loadControlPlaneConfig(env: Record<string, string | undefined>): ControlPlaneConfig {
  const { parsed, problems } = parseEnv(ControlPlaneEnv, env);
  const tenancy = parsed.OZ_TENANCY ?? (isLoopbackHost(parsed.HOST) ? 'open' : 'registered');
  if (!parsed.OZ_ADMIN_API_KEY && !parsed.OZ_ALLOW_NO_ADMIN_KEY) {
    problems.push('OZ_ADMIN_API_KEY is required (or set OZ_ALLOW_NO_ADMIN_KEY=true)');
  }
  if (!parsed.OZ_ADMIN_API_KEY && !parsed.OZ_SECRETS_KEY) {
    problems.push('OZ_SECRETS_KEY is required when OZ_ADMIN_API_KEY is not set');
  }
  const boundTokens = parseNamedTokens('OZ_WORKER_TOKENS', 'worker_id', parsed.OZ_WORKER_TOKENS, problems, (id) =>
    isValidWorkerId(id) ? null : `"${id}" is not a valid worker id (${WORKER_ID_RULE})`,
  ).map(({ name, token }) => ({ workerId: name, token }));
  const tenantKeys = parseNamedTokens('OZ_TENANT_KEYS', 'name', parsed.OZ_TENANT_KEYS, problems, (name) =>
    /^[A-Za-z0-9._-]{1,100}$/.test(name) ? null : `"${name}" is not a valid name (1–100 letters, digits, dots, dashes or underscores)`,
  );
  if (tenantKeys.some(({ token }) => boundTokens.some((bound) => bound.token === token))) {
    problems.push('OZ_TENANT_KEYS and OZ_WORKER_TOKENS share a token; a tenant key and a worker token must differ');
  }
  const publicUrl = parsed.OZ_PUBLIC_URL ?? (isLoopbackHost(parsed.HOST) && parsed.PORT > 0 ? `http://127.0.0.1:${parsed.PORT}` : undefined);
  const taskApiBaseUrl = publicUrl === undefined ? null : taskApiBaseUrlOf(publicUrl, problems);
  const providers = loadCheckedProviderSettings(env, problems);
  if (problems.length > 0) {
    throw new ConfigError(`Invalid control-plane configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return {
    databaseUrl: parsed.DATABASE_URL,
    databasePoolSize: parsed.OZ_DB_POOL_SIZE,
    migrateOnStart: parsed.OZ_MIGRATE_ON_START,
    port: parsed.PORT,
    host: parsed.HOST,
    adminApiKey: parsed.OZ_ADMIN_API_KEY ?? null,
    tenancy,
    tenantKeys,
    tenantLimits: {
      runsPerMinute: parsed.OZ_TENANT_RUNS_PER_MINUTE ?? (tenancy === 'registered' ? 60 : 0),
      maxUnfinishedRuns: parsed.OZ_TENANT_MAX_UNFINISHED_RUNS ?? (tenancy === 'registered' ? 50 : 0),
    },
    secretsKey: parsed.OZ_SECRETS_KEY
      ? Buffer.from(parsed.OZ_SECRETS_KEY, 'base64')
      : deriveSecretsKey(parsed.OZ_ADMIN_API_KEY as string),
    logLevel: parsed.OZ_LOG_LEVEL,
    corsOrigins: parseCorsOrigins(parsed.OZ_CORS_ORIGIN),
    maxBodyBytes: parsed.OZ_MAX_BODY_BYTES,
    metricsToken: parsed.OZ_METRICS_TOKEN ?? null,
    retention: {
      days: parsed.OZ_RUN_RETENTION_DAYS,
      sweepIntervalMs: parsed.OZ_RETENTION_SWEEP_INTERVAL_MS,
      batchSize: parsed.OZ_RETENTION_BATCH_SIZE,
    },
    scheduler: { enabled: parsed.OZ_SCHEDULER_ENABLED, pollIntervalMs: parsed.OZ_SCHEDULER_POLL_INTERVAL_MS },
    executor: {
      concurrency: parsed.OZ_EXECUTOR_CONCURRENCY,
      leaseMs: parsed.OZ_EXECUTOR_LEASE_SECONDS * 1000,
      pollIntervalMs: parsed.OZ_EXECUTOR_POLL_INTERVAL_MS,
      maxRecoveries: parsed.OZ_EXECUTOR_MAX_RECOVERIES,
    },
    workers: {
      token: parsed.OZ_WORKER_TOKEN ?? null,
      boundTokens,
      sidecarImage: parsed.OZ_WORKER_SIDECAR_IMAGE,
      claimTimeoutMs: parsed.OZ_WORKER_CLAIM_TIMEOUT_SECONDS * 1000,
      leaseMs: parsed.OZ_WORKER_LEASE_SECONDS * 1000,
      retryLostRuns: parsed.OZ_WORKER_RETRY_LOST_RUNS,
      pollIntervalMs: parsed.OZ_DISPATCH_POLL_INTERVAL_MS,
      logMaxLines: parsed.OZ_RUN_LOG_MAX_LINES,
      taskTimeoutSeconds: parsed.OZ_TASK_TIMEOUT_SECONDS,
      pendingTimeoutMs: (parsed.OZ_PENDING_TIMEOUT_SECONDS ?? 0) * 1000,
      taskApiBaseUrl,
    },
    providers: providers as ProviderSettings,
  };
}

/**
 * `a=<token>,b=<token>`: a name (a worker id, a tenant's label) per token; one name may have several
 * tokens (rotation), one token never several names. Problems never repeat a token.
 */
function parseNamedTokens(
  variable: string,
  nameWord: string,
  value: string | undefined,
  problems: string[],
  nameProblem: (name: string) => string | null,
): Array<{ name: string; token: string }> {
  if (!value) return [];
  const tokens: Array<{ name: string; token: string }> = [];
  for (const entry of value.split(',').map((part) => part.trim()).filter(Boolean)) {
    const separator = entry.indexOf('=');
    const name = separator > 0 ? entry.slice(0, separator).trim() : '';
    const token = separator > 0 ? entry.slice(separator + 1).trim() : '';
    const problem = !name || !token ? null : nameProblem(name);
    if (!name || !token) {
      problems.push(`${variable} must be comma-separated ${nameWord}=token pairs`);
    } else if (problem) {
      problems.push(`${variable}: ${problem}`);
    } else if (token.length < 16 || /\s/.test(token)) {
      problems.push(`${variable}: the token of ${name} must be at least 16 characters without spaces`);
    } else if (tokens.some((other) => other.token === token)) {
      problems.push(`${variable}: the token of ${name} is also another one's; give each its own`);
    } else {
      tokens.push({ name, token });
    }
  }
  return tokens;
}

/**
 * OZ_PUBLIC_URL + `/api/v1`: an http(s) URL with no user-info, query or fragment (it goes into every
 * task container, and the sidecar appends paths to it).
 */
function taskApiBaseUrlOf(publicUrl: string, problems: string[]): string | null {
  let url: URL;
  try {
    url = new URL(publicUrl);
  } catch {
    problems.push(`OZ_PUBLIC_URL must be an http(s) URL such as http://control-plane:8080 (got "${publicUrl}")`);
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') problems.push('OZ_PUBLIC_URL must be an http:// or https:// URL');
  else if (url.username || url.password) problems.push('OZ_PUBLIC_URL must not carry credentials (tasks authenticate with their own token)');
  else if (url.search || url.hash) problems.push('OZ_PUBLIC_URL must have no query or fragment');
  else return `${url.origin}${url.pathname.replace(/\/+$/, '')}/api/v1`;
  return null;
}

function deriveSecretsKey(adminKey: string): Buffer {
  return Buffer.from(hkdfSync('sha256', adminKey, 'oz-stack', 'environment-secrets', 32));
}
