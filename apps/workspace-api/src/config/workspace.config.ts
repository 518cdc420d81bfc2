import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { loadCheckedProviderSettings, type ProviderSettings } from '@oz/providers';
import {
  ConfigError,
  describeVariable,
  emptyToUndefined,
  isLoopbackHost,
  parseCorsOrigins,
  parseEnv,
  parseSecretsKey,
  SECRETS_KEY_PATTERN,
  ServerEnv,
  toBoolean,
  toInt,
} from '@oz/server-kit';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import 'reflect-metadata';
import { parseTrustProxy, type TrustProxy } from './trust-proxy';

export { ConfigError };
export type { TrustProxy };

export const SIGNUP_MODES = ['open', 'invite', 'closed'] as const;
export type SignupMode = (typeof SIGNUP_MODES)[number];

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

  @describeVariable('Without Redis: event data kept per room in memory for replay (about twice the JSON text of the events); the oldest go first.')
  @Transform(toInt)
  @Min(64 * 1024)
  @IsInt()
  OZ_EVENTS_MAX_BYTES_PER_ROOM = 8 * 1024 * 1024;

  @describeVariable('Most events replayed to a client that reconnects with `Last-Event-ID`; one further behind gets a `resync` event instead (it reloads).')
  @Transform(toInt)
  @Min(1)
  @Max(100_000)
  @IsInt()
  OZ_SSE_MAX_REPLAY = 1000;

  @describeVariable('Open event streams one user may hold on this replica (429 beyond it).')
  @Transform(toInt)
  @Min(1)
  @IsInt()
  OZ_SSE_MAX_PER_USER = 20;

  @describeVariable('Open event streams one public share link may have on this replica (429 beyond it).')
  @Transform(toInt)
  @Min(1)
  @IsInt()
  OZ_SSE_MAX_PER_SHARE = 50;

  @describeVariable('Open event streams one client address (an IPv6 /64) may hold on this replica, signed in or not (429 beyond it).')
  @Transform(toInt)
  @Min(1)
  @IsInt()
  OZ_SSE_MAX_PER_ADDRESS = 100;

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

  @describeVariable('Remote mode: this API\'s base URL as task containers reach it (compose: `http://workspace:3000`; Kubernetes: `http://oz-workspace.<namespace>:3000`). Agents running in a worker\'s container get it, with a token for their run alone, to post to their room and its board (`/agent/oz-room`). Default: `http://127.0.0.1:PORT` when HOST is a loopback address (tasks of a worker on this machine using host networking), else none: container agents then cannot post to their room.')
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  OZ_WORKSPACE_PUBLIC_URL?: string;

  @describeVariable('Writes (messages, tasks, notifications) one agent run may make with its room callback token, refused ones included; beyond it, 403.')
  @Transform(toInt)
  @Min(1)
  @Max(100_000)
  @IsInt()
  OZ_ROOM_CALLBACK_MAX_WRITES = 200;

  @describeVariable('Remote mode: how often a run on the control plane is checked for progress.')
  @Transform(toInt)
  @Min(50)
  @Max(60_000)
  @IsInt()
  OZ_REMOTE_POLL_INTERVAL_MS = 1_000;

  @describeVariable('Remote mode: how often the dashboard\'s live views ask the control plane what changed (runs, their output and logs, workers), for users with the dashboard open.')
  @Transform(toInt)
  @Min(100)
  @Max(60_000)
  @IsInt()
  OZ_CP_POLL_INTERVAL_MS = 1_000;

  @describeVariable('Folder of the built dashboard, served at `/` (an empty folder: none). Unset: `dist/apps/workspace-web/browser` next to this app when it exists, else no dashboard (the API only).')
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  OZ_WEB_DIR?: string;

  @describeVariable('Agent replies one person\'s message may start in all, its own @mentions and the teammates those replies mention in turn. A message mentioning more agents is refused (400); agents asked beyond it are told so in the room.')
  @Transform(toInt)
  @Min(1)
  @Max(1000)
  @IsInt()
  OZ_MAX_RUNS_PER_MESSAGE = 10;

  @describeVariable('Agent replies in progress at once for one user, counted across replicas: a message that would start more is refused (429); agents asked beyond it are told so in the room.')
  @Transform(toInt)
  @Min(1)
  @Max(10_000)
  @IsInt()
  OZ_MAX_ACTIVE_RUNS_PER_USER = 10;

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

  @describeVariable('Mark the session cookie `Secure` (sent over HTTPS only). Default: on, unless HOST is a loopback address (127.0.0.1, ::1, localhost).')
  @Transform(toBoolean)
  @IsOptional()
  @IsBoolean()
  OZ_COOKIE_SECURE?: boolean;

  @describeVariable('Who may create an account. `open`: anyone; `invite`: only with an invite from the instance admin (POST /api/admin/invites); `closed`: nobody. The first account, which becomes the instance admin, can always be created. Default: `open` when HOST is a loopback address, else `invite`.')
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(SIGNUP_MODES, { message: 'OZ_SIGNUP must be open, invite or closed' })
  OZ_SIGNUP?: SignupMode;

  @describeVariable('How long an invite can be used.')
  @Transform(toInt)
  @Min(60)
  @IsInt()
  OZ_INVITE_TTL_SECONDS = 7 * 24 * 3600;

  @describeVariable('Login attempts allowed per account (email) within OZ_LOGIN_WINDOW_SECONDS, from any address, before 429; a successful login resets it. Counted before the password is checked, across replicas.')
  @Transform(toInt)
  @Min(1)
  @IsInt()
  OZ_LOGIN_MAX_FAILURES = 5;

  @describeVariable('Failed login attempts allowed per client address (an IPv6 /64) within OZ_LOGIN_WINDOW_SECONDS, whatever the account, before 429.')
  @Transform(toInt)
  @Min(1)
  @IsInt()
  OZ_LOGIN_MAX_FAILURES_PER_ADDRESS = 20;

  @describeVariable('Window of the login limits.')
  @Transform(toInt)
  @Min(1)
  @IsInt()
  OZ_LOGIN_WINDOW_SECONDS = 900;

  @describeVariable('Passwords hashed or checked at once (argon2id is costly on purpose) on each replica; further signups and logins wait in line.')
  @Transform(toInt)
  @Min(1)
  @Max(64)
  @IsInt()
  OZ_PASSWORD_HASH_CONCURRENCY = 2;

  @describeVariable('Signups and logins waiting for a password check on each replica; beyond it they get 503 with Retry-After.')
  @Transform(toInt)
  @Min(0)
  @Max(10_000)
  @IsInt()
  OZ_PASSWORD_HASH_QUEUE = 32;

  @describeVariable('Which proxies to believe about the client address (`X-Forwarded-For`), used by the login and stream limits. `false`: none; a hop count (`1`: one proxy in front); a comma-separated list of proxy addresses or CIDR ranges (`10.0.0.0/8,fd00::/8`); `true`: every hop — unsafe unless the proxy replaces the header, since clients can write it.')
  @IsString()
  OZ_TRUST_PROXY = 'false';

  @describeVariable('Key that encrypts agents\' secrets at rest (MCP server headers and env, repository URL credentials): 32 bytes, base64 (`openssl rand -base64 32`; the control plane\'s format, so one key may serve both). Unset: agents cannot hold secrets. Never change it once secrets are stored.', { secret: true })
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(SECRETS_KEY_PATTERN, { message: 'OZ_SECRETS_KEY must be 32 bytes encoded as base64 (44 characters)' })
  OZ_SECRETS_KEY?: string;
}

export interface WorkspaceConfig {
  databaseUrl: string;
  databaseSchema: string;
  databasePoolSize: number;
  migrateOnStart: boolean;
  redisUrl: string | null;
  events: { durable: boolean; maxPerRoom: number; maxBytesPerRoom: number; ttlSeconds: number; heartbeatMs: number };
  /** Per replica, except the replay length. */
  sse: { maxReplay: number; perUser: number; perShare: number; perAddress: number };
  agentApiKey: string | null;
  runner:
    | { mode: 'local'; providers: ProviderSettings }
    | { mode: 'remote'; apiBaseUrl: string; apiKey: string; environmentId: string | null; pollIntervalMs: number };
  /**
   * Room callbacks of agents in task containers: this API's `/api` as they reach it (null: none are
   * offered) and how many writes one run's token may make.
   */
  callbacks: { apiUrl: string | null; maxWritesPerRun: number };
  /** The dashboard's control-plane views (remote mode): how often live views poll the control plane. */
  controlPlaneViews: { pollIntervalMs: number };
  /** The built dashboard served at `/`, or null for the API only. */
  web: { dir: string | null };
  invocation: {
    maxMentionDepth: number;
    contextMessages: number;
    staleAfterMs: number;
    streamFlushMs: number;
    maxRunsPerMessage: number;
    maxActiveRunsPerUser: number;
  };
  sessions: { ttlSeconds: number; secureCookie: boolean };
  signup: { mode: SignupMode; inviteTtlSeconds: number };
  login: { maxFailuresPerAccount: number; maxFailuresPerAddress: number; windowSeconds: number };
  passwords: { concurrency: number; queue: number };
  trustProxy: TrustProxy;
  /** Null: agents cannot hold secrets (OZ_SECRETS_KEY unset). */
  secretsKey: Buffer | null;
  port: number;
  host: string;
  logLevel: string;
  corsOrigins: string[] | '*' | null;
  maxBodyBytes: number;
  /** OZ_METRICS_TOKEN: the bearer GET /metrics needs; null: open. */
  metricsToken: string | null;
}

export const WORKSPACE_CONFIG = Symbol('WORKSPACE_CONFIG');

/** Reads and checks the environment once; throws ConfigError naming every bad variable. */
export function loadWorkspaceConfig(env: Record<string, string | undefined>): WorkspaceConfig {
  const { parsed, problems } = parseEnv(WorkspaceEnv, env);
  const loopback = isLoopbackHost(parsed.HOST);
  const trustProxy = parseTrustProxy(parsed.OZ_TRUST_PROXY, problems);
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
  const publicUrl = parsed.OZ_WORKSPACE_PUBLIC_URL ?? (loopback && parsed.PORT > 0 ? `http://127.0.0.1:${parsed.PORT}` : undefined);
  const callbackApiUrl = publicUrl === undefined ? null : callbackApiUrlOf(publicUrl, problems);
  const webDir = resolveWebDir(parsed.OZ_WEB_DIR, problems);
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
      maxBytesPerRoom: parsed.OZ_EVENTS_MAX_BYTES_PER_ROOM,
      ttlSeconds: parsed.OZ_EVENTS_TTL_SECONDS,
      heartbeatMs: parsed.OZ_SSE_HEARTBEAT_MS,
    },
    sse: {
      maxReplay: parsed.OZ_SSE_MAX_REPLAY,
      perUser: parsed.OZ_SSE_MAX_PER_USER,
      perShare: parsed.OZ_SSE_MAX_PER_SHARE,
      perAddress: parsed.OZ_SSE_MAX_PER_ADDRESS,
    },
    agentApiKey: parsed.AGENT_API_KEY ?? null,
    runner,
    callbacks: { apiUrl: callbackApiUrl, maxWritesPerRun: parsed.OZ_ROOM_CALLBACK_MAX_WRITES },
    controlPlaneViews: { pollIntervalMs: parsed.OZ_CP_POLL_INTERVAL_MS },
    web: { dir: webDir },
    invocation: {
      maxMentionDepth: parsed.OZ_MAX_MENTION_DEPTH,
      contextMessages: parsed.OZ_CONTEXT_MESSAGES,
      staleAfterMs: parsed.OZ_STALE_AGENT_SWEEP_MS,
      streamFlushMs: parsed.OZ_STREAM_FLUSH_MS,
      maxRunsPerMessage: parsed.OZ_MAX_RUNS_PER_MESSAGE,
      maxActiveRunsPerUser: parsed.OZ_MAX_ACTIVE_RUNS_PER_USER,
    },
    sessions: { ttlSeconds: parsed.OZ_SESSION_TTL_SECONDS, secureCookie: parsed.OZ_COOKIE_SECURE ?? !loopback },
    signup: { mode: parsed.OZ_SIGNUP ?? (loopback ? 'open' : 'invite'), inviteTtlSeconds: parsed.OZ_INVITE_TTL_SECONDS },
    login: {
      maxFailuresPerAccount: parsed.OZ_LOGIN_MAX_FAILURES,
      maxFailuresPerAddress: parsed.OZ_LOGIN_MAX_FAILURES_PER_ADDRESS,
      windowSeconds: parsed.OZ_LOGIN_WINDOW_SECONDS,
    },
    passwords: { concurrency: parsed.OZ_PASSWORD_HASH_CONCURRENCY, queue: parsed.OZ_PASSWORD_HASH_QUEUE },
    trustProxy,
    secretsKey: parsed.OZ_SECRETS_KEY ? parseSecretsKey(parsed.OZ_SECRETS_KEY) : null,
    port: parsed.PORT,
    host: parsed.HOST,
    logLevel: parsed.OZ_LOG_LEVEL,
    corsOrigins: parseCorsOrigins(parsed.OZ_CORS_ORIGIN),
    maxBodyBytes: parsed.OZ_MAX_BODY_BYTES,
    metricsToken: parsed.OZ_METRICS_TOKEN ?? null,
  };
}

/**
 * OZ_WORKSPACE_PUBLIC_URL + `/api`: an http(s) URL with no user-info, query or fragment (it goes into
 * task containers, and the sidecar's oz-room appends paths to it).
 */
function callbackApiUrlOf(publicUrl: string, problems: string[]): string | null {
  let url: URL;
  try {
    url = new URL(publicUrl);
  } catch {
    problems.push(`OZ_WORKSPACE_PUBLIC_URL must be an http(s) URL such as http://workspace:3000 (got "${publicUrl}")`);
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') problems.push('OZ_WORKSPACE_PUBLIC_URL must be an http:// or https:// URL');
  else if (url.username || url.password) problems.push('OZ_WORKSPACE_PUBLIC_URL must not carry credentials (agents authenticate with their run\'s token)');
  else if (url.search || url.hash) problems.push('OZ_WORKSPACE_PUBLIC_URL must have no query or fragment');
  else return `${url.origin}${url.pathname.replace(/\/+$/, '')}/api`;
  return null;
}

/**
 * The dashboard's folder: OZ_WEB_DIR (which must hold the built index.html; an empty folder, as in an
 * image built without the dashboard, means the API alone), else the build next to this app
 * (`dist/apps/workspace-web/browser` beside `dist/apps/workspace-api/main.js`) when there is one.
 */
function resolveWebDir(configured: string | undefined, problems: string[]): string | null {
  if (configured) {
    const dir = resolve(configured);
    if (existsSync(join(dir, 'index.html'))) return dir;
    if (existsSync(dir) && statSync(dir).isDirectory() && readdirSync(dir).length === 0) return null;
    problems.push(`OZ_WEB_DIR must be a folder holding the built dashboard (index.html), or an empty one for the API alone; ${dir} is neither`);
    return null;
  }
  const beside = resolve(__dirname, '../workspace-web/browser');
  return existsSync(join(beside, 'index.html')) ? beside : null;
}

