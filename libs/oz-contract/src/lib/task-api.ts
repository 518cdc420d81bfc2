/**
 * What a task container talks to besides its worker: the task report routes and the LLM gateway of
 * the control plane, both under `OZ_API_BASE_URL` (the control plane's `/api/v1` as the container
 * reaches it), both authorised by the run's task token (`OZ_TASK_TOKEN`). The sidecar's entrypoint
 * (docker/sidecar) is the client; the official worker sends no output or logs, so these reports are
 * then the run's only source of them.
 */

/**
 * Every task token starts with this, so a server tells one from a tenant's token without a lookup
 * (a task token is never a tenant, even under open tenancy).
 */
export const TASK_TOKEN_PREFIX = 'oz_task_';

export function isTaskToken(token: string): boolean {
  return token.startsWith(TASK_TOKEN_PREFIX);
}

/** The report routes, relative to `OZ_API_BASE_URL`: `POST /agent/runs/{runId}/task/{kind}`, answered 204. */
export const TASK_REPORT_KINDS = ['logs', 'output', 'finished'] as const;
export type TaskReportKind = (typeof TASK_REPORT_KINDS)[number];

/** `logs`: `text/plain; charset=utf-8`, lines separated by `\n`; the sidecar sends at most 256 KiB a batch. */
export const MAX_TASK_LOG_BATCH_BYTES = 1024 * 1024;
/** `output`: `text/plain`, the task's output file (its first 10 MiB). */
export const MAX_TASK_OUTPUT_BYTES = 10 * 1024 * 1024;

/** `finished`: `application/json`; it ends the run (0 → SUCCEEDED, else FAILED) and revokes the token. */
export interface TaskFinishedReport {
  exit_code: number;
}

/**
 * The LLM gateway's routes, relative to `OZ_API_BASE_URL`, as each harness CLI calls them:
 * Claude Code `ANTHROPIC_BASE_URL={api}/llm/anthropic`, Codex a `model_providers` entry with
 * `base_url = {api}/llm/openai` (Responses API), Gemini CLI `GOOGLE_GEMINI_BASE_URL={api}/llm/gemini`.
 */
export const LLM_GATEWAY_PATHS = {
  anthropicMessages: '/llm/anthropic/v1/messages',
  openAiChatCompletions: '/llm/openai/chat/completions',
  openAiResponses: '/llm/openai/responses',
  openAiModels: '/llm/openai/models',
  geminiModels: '/llm/gemini/v1beta/models',
} as const;
