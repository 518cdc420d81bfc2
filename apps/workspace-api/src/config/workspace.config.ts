import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { loadCheckedProviderSettings, type ProviderSettings } from '@oz/providers';
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
import 'reflect-metadata';

export { ConfigError };

/**
 * Every environment variable the workspace API reads, validated once at start-up; nothing else in the
 * app touches process.env. The README's table is generated from these descriptions (`npm run docs:env`).
 */
export class WorkspaceEnv extends ServerEnv {
  override PORT = 3000;
  override OZ_MAX_BODY_BYTES = 1024 * 1024;

  @describeVariable('PostgreSQL schema holding the workspace tables, so the workspace can share a database with the control plane.')
  @Matches(/^[a-z_][a-z0-9_]{0,62}$/, { message: 'OZ_WORKSPACE_DB_SCHEMA must be a lower-case SQL identifier' })
  OZ_WORKSPACE_DB_SCHEMA = 'workspace';

  @describeVariable('Redis URL. Set it to run several replicas: events then go through Redis Streams. Unset: an in-process event bus.', { secret: true })
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  @describeVariable('With Redis: write routes answer only after their event is stored in Redis.')
  @Transform(toBoolean)
  @IsBoolean()
  OZ_REDIS_EVENTS_DURABLE = false;

  @describeVariable('Events kept per room for replay (`Last-Event-ID`); older ones are trimmed.')
  @Transform(toInt)
  @Min(100)
  @Max(1_000_000)
  @IsInt()
  OZ_EVENTS_MAX_PER_ROOM = 10_000;

  @describeVariable('With Redis: a room\'s event stream expires this long after its last event.')
  @Transform(toInt)
  @Min(60)
  @IsInt()
  OZ_EVENTS_TTL_SECONDS = 7 * 24 * 3600;

  @describeVariable('Interval between SSE heartbeats.')
  @Transform(toInt)
  @Min(100)
  @Max(300_000)
  @IsInt()
  OZ_SSE_HEARTBEAT_MS = 15_000;

  @describeVariable('Secret shared with external agents: the `X-Agent-Key` of `/api/agent-response` and `/api/agent/*`. Unset: those routes are closed.', { secret: true })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'AGENT_API_KEY must be at least 16 characters' })
  AGENT_API_KEY?: string;

  @describeVariable('Where agents run: `local` calls providers in this process (OZ_PROVIDER_*); `remote` creates runs on a control plane through oz-agent-sdk.')
  @IsIn(['local', 'remote'], { message: 'OZ_RUNNER_MODE must be local or remote' })
  OZ_RUNNER_MODE = 'local';

  @describeVariable('Remote mode: the control plane\'s API base URL, `/api/v1` included.')
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^https?:\/\/.+\/api\/v1\/?$/, { message: 'OZ_API_BASE_URL must be an http(s) URL ending in /api/v1' })
  OZ_API_BASE_URL?: string;

  @describeVariable('Remote mode: the bearer token the workspace uses on the control plane.', { secret: true })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  OZ_API_KEY?: string;

  @describeVariable('Remote mode: `environment_id` for agents that name none (unset: provider runs).')
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  OZ_ENVIRONMENT_ID?: string;

  @describeVariable('Remote mode: how often a run on the control plane is checked for progress.')
  @Transform(toInt)
  @Min(50)
  @Max(60_000)
  @IsInt()
  OZ_REMOTE_POLL_INTERVAL_MS = 1_000;

  @describeVariable('Longest chain of agents invoking agents by @mention (a person\'s mention is depth 0).')
  @Transform(toInt)
  @Min(0)
  @Max(20)
  @IsInt()
  OZ_MAX_MENTION_DEPTH = 4;

  @describeVariable('Room messages given to an agent as recent history.')
  @Transform(toInt)
  @Min(0)
  @Max(500)
  @IsInt()
  OZ_CONTEXT_MESSAGES = 20;

  @describeVariable('Agent runs with no activity (streaming counts) for this long are failed and their agents freed. 0: off.')
  @Transform(toInt)
  @Min(0)
  @IsInt()
  OZ_STALE_AGENT_SWEEP_MS = 300_000;

  @describeVariable('Streaming replies: text is sent as `message_delta` events at most this often.')
  @Transform(toInt)
  @Min(10)
  @Max(5_000)
  @IsInt()
  OZ_STREAM_FLUSH_MS = 100;

  @describeVariable('Session lifetime (a login stays valid this long).')
  @Transform(toInt)
  @Min(60)
  @IsInt()
  OZ_SESSION_TTL_SECONDS = 30 * 24 * 3600;

  @describeVariable('Mark the session cookie `Secure` (serve over HTTPS).')
  @Transform(toBoolean)
  @IsBoolean()
  OZ_COOKIE_SECURE = false;

  @describeVariable('Failed logins allowed per email and address within OZ_LOGIN_WINDOW_SECONDS before 429.')
  @Transform(toInt)
  @Min(1)
  @IsInt()
  OZ_LOGIN_MAX_FAILURES = 5;

  @describeVariable('Window of the login failure limit.')
  @Transform(toInt)
  @Min(1)
  @IsInt()
  OZ_LOGIN_WINDOW_SECONDS = 900;

  @describeVariable('Trust `X-Forwarded-For` from a proxy in front (for login limits by address).')
  @Transform(toBoolean)
  @IsBoolean()
  OZ_TRUST_PROXY = false;

}

export interface WorkspaceConfig {
  databaseUrl: string;
  databaseSchema: string;
  databasePoolSize: number;
  migrateOnStart: boolean;
  redisUrl: string | null;
  events: { durable: boolean; maxPerRoom: number; ttlSeconds: number; heartbeatMs: number };
  agentApiKey: string | null;
  runner:
    | { mode: 'local'; providers: ProviderSettings }
    | { mode: 'remote'; apiBaseUrl: string; apiKey: string; environmentId: string | null; pollIntervalMs: number };
  invocation: { maxMentionDepth: number; contextMessages: number; staleAfterMs: number; streamFlushMs: number };
  sessions: { ttlSeconds: number; secureCookie: boolean };
  login: { maxFailures: number; windowSeconds: number };
  trustProxy: boolean;
  port: number;
  host: string;
  logLevel: string;
  corsOrigins: string[] | '*' | null;
  maxBodyBytes: number;
}

export const WORKSPACE_CONFIG = Symbol('WORKSPACE_CONFIG');

/** Reads and checks the environment once; throws ConfigError naming every bad variable. */
export function loadWorkspaceConfig(env: Record<string, string | undefined>): WorkspaceConfig {
  const { parsed, problems } = parseEnv(WorkspaceEnv, env);
  let runner: WorkspaceConfig['runner'] | undefined;
  if (parsed.OZ_RUNNER_MODE === 'remote') {
    if (!parsed.OZ_API_BASE_URL) problems.push('OZ_API_BASE_URL is required when OZ_RUNNER_MODE=remote (e.g. http://localhost:8080/api/v1)');
    if (!parsed.OZ_API_KEY) problems.push('OZ_API_KEY is required when OZ_RUNNER_MODE=remote (a bearer token of the control plane)');
    runner = {
      mode: 'remote',
      apiBaseUrl: (parsed.OZ_API_BASE_URL ?? '').replace(/\/+$/, ''),
      apiKey: parsed.OZ_API_KEY ?? '',
      environmentId: parsed.OZ_ENVIRONMENT_ID ?? null,
      pollIntervalMs: parsed.OZ_REMOTE_POLL_INTERVAL_MS,
    };
  } else {
    const providers = loadCheckedProviderSettings(env, problems);
    if (providers) runner = { mode: 'local', providers };
  }
  if (problems.length > 0 || !runner) {
    throw new ConfigError(`Invalid workspace configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return {
    databaseUrl: parsed.DATABASE_URL,
    databaseSchema: parsed.OZ_WORKSPACE_DB_SCHEMA,
    databasePoolSize: parsed.OZ_DB_POOL_SIZE,
    migrateOnStart: parsed.OZ_MIGRATE_ON_START,
    redisUrl: parsed.REDIS_URL ?? null,
    events: {
      durable: parsed.OZ_REDIS_EVENTS_DURABLE,
      maxPerRoom: parsed.OZ_EVENTS_MAX_PER_ROOM,
      ttlSeconds: parsed.OZ_EVENTS_TTL_SECONDS,
      heartbeatMs: parsed.OZ_SSE_HEARTBEAT_MS,
    },
    agentApiKey: parsed.AGENT_API_KEY ?? null,
    runner,
    invocation: {
      maxMentionDepth: parsed.OZ_MAX_MENTION_DEPTH,
      contextMessages: parsed.OZ_CONTEXT_MESSAGES,
      staleAfterMs: parsed.OZ_STALE_AGENT_SWEEP_MS,
      streamFlushMs: parsed.OZ_STREAM_FLUSH_MS,
    },
    sessions: { ttlSeconds: parsed.OZ_SESSION_TTL_SECONDS, secureCookie: parsed.OZ_COOKIE_SECURE },
    login: { maxFailures: parsed.OZ_LOGIN_MAX_FAILURES, windowSeconds: parsed.OZ_LOGIN_WINDOW_SECONDS },
    trustProxy: parsed.OZ_TRUST_PROXY,
    port: parsed.PORT,
    host: parsed.HOST,
    logLevel: parsed.OZ_LOG_LEVEL,
    corsOrigins: parseCorsOrigins(parsed.OZ_CORS_ORIGIN),
    maxBodyBytes: parsed.OZ_MAX_BODY_BYTES,
  };
}
