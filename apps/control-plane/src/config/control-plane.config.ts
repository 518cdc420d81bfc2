import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
} from 'class-validator';
import { loadCheckedProviderSettings, type ProviderSettings } from '@oz/providers';
import { hkdfSync } from 'node:crypto';
import 'reflect-metadata';
import {
  ConfigError,
  describeVariable,
  emptyToUndefined,
  parseCorsOrigins,
  parseEnv,
  ServerEnv,
  toBoolean,
  toInt,
} from '@oz/server-kit';

export { ConfigError };

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

  @describeVariable('Token workers may connect with instead of the admin key (it grants nothing else).', { secret: true })
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

  @describeVariable('Seconds without any sign of a worker (messages, pings) before its runs count as lost.')
  @Transform(toInt)
  @IsInt()
  @Min(5)
  OZ_WORKER_LEASE_SECONDS = 120;

  @describeVariable('What happens to a run whose worker was lost: FAILED (false) or back to PENDING for another worker (true).')
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
}

export interface ControlPlaneConfig {
  databaseUrl: string;
  databasePoolSize: number;
  migrateOnStart: boolean;
  port: number;
  host: string;
  adminApiKey: string | null;
  secretsKey: Buffer;
  logLevel: string;
  corsOrigins: string[] | '*' | null;
  maxBodyBytes: number;
  retention: { days: number; sweepIntervalMs: number; batchSize: number };
  scheduler: { enabled: boolean; pollIntervalMs: number };
  executor: { concurrency: number; leaseMs: number; pollIntervalMs: number; maxRecoveries: number };
  workers: {
    token: string | null;
    sidecarImage: string;
    claimTimeoutMs: number;
    leaseMs: number;
    retryLostRuns: boolean;
    pollIntervalMs: number;
    logMaxLines: number;
  };
  /** `OZ_PROVIDER_*` and the queue settings, read by @oz/providers (documented under Providers in the README). */
  providers: ProviderSettings;
}

export const CONTROL_PLANE_CONFIG = Symbol('CONTROL_PLANE_CONFIG');

/** Reads and checks the environment once; throws ConfigError naming every bad variable. */
export function loadControlPlaneConfig(env: Record<string, string | undefined>): ControlPlaneConfig {
  const { parsed, problems } = parseEnv(ControlPlaneEnv, env);
  if (!parsed.OZ_ADMIN_API_KEY && !parsed.OZ_ALLOW_NO_ADMIN_KEY) {
    problems.push('OZ_ADMIN_API_KEY is required (or set OZ_ALLOW_NO_ADMIN_KEY=true)');
  }
  if (!parsed.OZ_ADMIN_API_KEY && !parsed.OZ_SECRETS_KEY) {
    problems.push('OZ_SECRETS_KEY is required when OZ_ADMIN_API_KEY is not set');
  }
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
    secretsKey: parsed.OZ_SECRETS_KEY
      ? Buffer.from(parsed.OZ_SECRETS_KEY, 'base64')
      : deriveSecretsKey(parsed.OZ_ADMIN_API_KEY as string),
    logLevel: parsed.OZ_LOG_LEVEL,
    corsOrigins: parseCorsOrigins(parsed.OZ_CORS_ORIGIN),
    maxBodyBytes: parsed.OZ_MAX_BODY_BYTES,
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
      sidecarImage: parsed.OZ_WORKER_SIDECAR_IMAGE,
      claimTimeoutMs: parsed.OZ_WORKER_CLAIM_TIMEOUT_SECONDS * 1000,
      leaseMs: parsed.OZ_WORKER_LEASE_SECONDS * 1000,
      retryLostRuns: parsed.OZ_WORKER_RETRY_LOST_RUNS,
      pollIntervalMs: parsed.OZ_DISPATCH_POLL_INTERVAL_MS,
      logMaxLines: parsed.OZ_RUN_LOG_MAX_LINES,
    },
    providers: providers as ProviderSettings,
  };
}

function deriveSecretsKey(adminKey: string): Buffer {
  return Buffer.from(hkdfSync('sha256', adminKey, 'oz-stack', 'environment-secrets', 32));
}
