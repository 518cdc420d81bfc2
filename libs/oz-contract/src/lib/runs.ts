/**
 * Wire types of the Oz runs API (`/api/v1/agent/run[s]`), as the official `oz-agent-sdk` sends and
 * expects them. Field names are the wire's snake_case on purpose: these objects go on the wire as-is.
 */

export const RUN_STATES = [
  'QUEUED',
  'PENDING',
  'CLAIMED',
  'INPROGRESS',
  'SUCCEEDED',
  'FAILED',
  'CANCELLED',
] as const;
export type RunState = (typeof RUN_STATES)[number];

/** A run in one of these states never changes again. */
export const TERMINAL_RUN_STATES: readonly RunState[] = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

export function isTerminalRunState(state: RunState): boolean {
  return TERMINAL_RUN_STATES.includes(state);
}

export const RUN_SOURCES = [
  'LINEAR',
  'API',
  'SLACK',
  'LOCAL',
  'SCHEDULED_AGENT',
  'WEB_APP',
  'GITHUB_ACTION',
  'CLOUD_MODE',
  'CLI',
] as const;
export type RunSource = (typeof RUN_SOURCES)[number];

export const ARTIFACT_TYPES = ['PLAN', 'PULL_REQUEST'] as const;
export type ArtifactType = (typeof ARTIFACT_TYPES)[number];

export const IMAGE_MIME_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'] as const;
export type ImageMimeType = (typeof IMAGE_MIME_TYPES)[number];
export const MAX_RUN_IMAGES = 5;

export interface McpServerConfig {
  warp_id?: string;
  command?: string;
  args?: string[];
  env?: Record<string, string>;
  url?: string;
  headers?: Record<string, string>;
}

/**
 * What a model id may look like: it ends up in a command's arguments (cli providers, harness CLIs),
 * so never something an argument parser could read as an option.
 */
export const MODEL_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/-]*$/;
export const MAX_MODEL_ID_LENGTH = 200;

export function isValidModelId(value: string): boolean {
  return value.length <= MAX_MODEL_ID_LENGTH && MODEL_ID_PATTERN.test(value);
}

export const HARNESS_TYPES = ['oz', 'claude', 'codex', 'gemini'] as const;
export type HarnessType = (typeof HARNESS_TYPES)[number];

/**
 * The run's harness: `type` picks the CLI a worker task runs (and the provider rules of a provider run).
 * Extension: `model_id`, the model given to that CLI, when it should differ from the run's `model_id`.
 */
export interface HarnessConfig {
  type: HarnessType;
  model_id?: string;
}

/**
 * Extension: variables a worker run's task container gets besides the control plane's own, for
 * callbacks to whoever created the run (a workspace room: its URL and the run's callback token).
 * Names start with TASK_ENV_PREFIX, so a run can never replace a variable the control plane, the
 * worker or the sidecar sets; values are single-line. Sealed at rest, shown as "<redacted>" in every
 * answer, and given in the clear only in the worker assignment's `env_vars`.
 */
export const TASK_ENV_PREFIX = 'OZ_ROOM_';
export const TASK_ENV_NAME_PATTERN = /^OZ_ROOM_[A-Z0-9_]{1,64}$/;
export const MAX_TASK_ENV_ENTRIES = 16;
export const MAX_TASK_ENV_VALUE_LENGTH = 4096;
/** Of all names and values together, in UTF-8 bytes. */
export const MAX_TASK_ENV_BYTES = 16 * 1024;

const utf8 = new TextEncoder();

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** What is wrong with a `task_env` (`field` is its path in the request), or null when it is fine. */
export function taskEnvProblem(field: string, value: unknown): { field: string; message: string } | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { field, message: `${field} must be an object of variable names to string values` };
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_TASK_ENV_ENTRIES) return { field, message: `${field} may hold at most ${MAX_TASK_ENV_ENTRIES} variables` };
  let bytes = 0;
  for (const [name, text] of entries) {
    const path = `${field}.${name}`;
    if (!TASK_ENV_NAME_PATTERN.test(name)) {
      return { field: path, message: `${path}: variable names must start with ${TASK_ENV_PREFIX} and hold only A-Z, 0-9 and _ (at most ${TASK_ENV_PREFIX.length + 64} characters)` };
    }
    if (typeof text !== 'string') return { field: path, message: `${path} must be a string` };
    if (text.length > MAX_TASK_ENV_VALUE_LENGTH) return { field: path, message: `${path} must be at most ${MAX_TASK_ENV_VALUE_LENGTH} characters` };
    if (hasControlCharacter(text)) return { field: path, message: `${path} must be one line with no control characters` };
    bytes += utf8.encode(name).length + utf8.encode(text).length;
  }
  if (bytes > MAX_TASK_ENV_BYTES) return { field, message: `${field} must be at most ${MAX_TASK_ENV_BYTES} bytes in all` };
  return null;
}

export interface AmbientAgentConfig {
  base_prompt?: string;
  computer_use_enabled?: boolean;
  environment_id?: string;
  mcp_servers?: Record<string, McpServerConfig>;
  model_id?: string;
  name?: string;
  skill_spec?: string;
  worker_host?: string;
  harness?: HarnessConfig;
  idle_timeout_minutes?: number;
  /** Extension (runs only): see TASK_ENV_PREFIX. */
  task_env?: Record<string, string>;
}

export interface RunImage {
  data: string;
  mime_type: ImageMimeType;
}

/** Body of `POST /agent/run` and `POST /agent/runs`. */
export interface AgentRunParams {
  prompt?: string;
  config?: AmbientAgentConfig;
  conversation_id?: string;
  images?: RunImage[];
  skill?: string;
  team?: boolean;
  title?: string;
}

export interface AgentRunResponse {
  run_id: string;
  /** Deprecated alias of run_id, kept because older SDKs read it. */
  task_id: string;
  state: RunState;
}

export interface PlanArtifact {
  artifact_type: 'PLAN';
  created_at: string;
  data: { document_uid: string; notebook_uid?: string; title?: string };
}

export interface PullRequestArtifact {
  artifact_type: 'PULL_REQUEST';
  created_at: string;
  data: { branch: string; url: string };
}

export type ArtifactItem = PlanArtifact | PullRequestArtifact;

export interface UserProfile {
  uid?: string;
  display_name?: string;
  photo_url?: string;
  type?: 'user' | 'service_account';
}

export interface RunScheduleRef {
  schedule_id: string;
  schedule_name: string;
  cron_schedule: string;
}

export interface RunItem {
  run_id: string;
  task_id: string;
  title: string;
  prompt: string;
  state: RunState;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  source: RunSource;
  agent_config: AmbientAgentConfig;
  agent_skill?: { full_path?: string; name?: string };
  artifacts: ArtifactItem[];
  conversation_id: string | null;
  creator: UserProfile;
  is_sandbox_running: boolean;
  schedule?: RunScheduleRef;
  scope: { type: 'User' | 'Team'; uid?: string };
  session_link: string | null;
  /**
   * `message` is what the run's tenant is told. Extension: `detail`, the whole story (say, which
   * providers failed and why), sent to the admin only.
   */
  status_message: { message: string; detail?: string } | null;
  /**
   * Extension: the run's answer (a provider's text, or the task's output file), streamed in while the
   * run is in progress. The official API has no such field; the SDK passes it through untouched.
   */
  output: string | null;
  /** Extension: the provider and model that answered a provider run (the one being tried, while running). */
  provider: RunProvider | null;
  /**
   * Extension: how many times a worker has taken the run (claimed it): 1 for a run that ran once, more
   * when a lost worker's run was retried on another; 0 while it waits for its first worker, and for
   * provider runs.
   */
  attempts: number;
  /**
   * Extension: the worker executing a worker run (the last one that took it, once it ended); null for
   * provider runs and for worker runs no worker has taken yet.
   */
  worker_id?: string | null;
  /**
   * Extension: what the run's task asked of the LLM gateway (worker runs): calls and tokens in and
   * out, in all and per provider. Null until its first gateway call.
   */
  request_usage?: RunRequestUsage | null;
}

/** Tokens are as the providers counted them in their answers (0 when an answer said nothing). */
export interface RequestUsageCounts {
  /** Calls made to the provider (answered or failed). */
  calls: number;
  /** Calls that failed (an error status, a broken stream, a timeout). */
  failed_calls: number;
  /** Input tokens, cached ones included (Anthropic's cache reads and writes count here). */
  input_tokens: number;
  output_tokens: number;
}

export interface RunRequestUsage extends RequestUsageCounts {
  /** The same per provider key, in key order. */
  by_provider: Array<RequestUsageCounts & { provider: string }>;
}

export interface RunProvider {
  key: string;
  type: string;
  model: string;
}

export interface PageInfo {
  has_next_page: boolean;
  next_cursor?: string;
}

export interface RunListResponse {
  runs: RunItem[];
  page_info: PageInfo;
}

/** Query of `GET /agent/runs`; `state` arrives as a scalar or repeated (`state=A&state=B`). */
export interface RunListParams {
  artifact_type?: ArtifactType;
  created_after?: string;
  created_before?: string;
  updated_after?: string;
  creator?: string;
  cursor?: string;
  limit?: number;
  environment_id?: string;
  model_id?: string;
  name?: string;
  q?: string;
  schedule_id?: string;
  skill?: string;
  skill_spec?: string;
  source?: RunSource;
  state?: RunState[];
}
