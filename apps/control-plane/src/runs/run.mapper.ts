import { redactUrlCredentials } from '@oz/server-kit';
import type { AgentRunResponse, RequestUsageCounts, RunItem, RunRequestUsage } from '@oz/contract';
import { withoutMcpSecrets } from '../common/secrets/mcp-secrets';
import { redactedTaskEnv } from '../common/secrets/task-env';
import type { RunEntity, StoredRequestUsage, StoredUsageCounts } from './run.entity';

/**
 * The run as `viewer` may see it: MCP secrets and `task_env` values are "<redacted>" for everyone (so stored), URL
 * credentials never show, and only the admin gets `status_message.detail` and a failed run's provider.
 */
export function toRunItem(run: RunEntity, viewer: { isAdmin: boolean } = { isAdmin: false }): RunItem {
  return {
    run_id: run.id,
    task_id: run.id,
    title: run.title,
    prompt: run.prompt,
    state: run.state,
    created_at: run.createdAt.toISOString(),
    updated_at: run.updatedAt.toISOString(),
    started_at: run.startedAt?.toISOString() ?? null,
    source: run.source,
    agent_config: redactedTaskEnv(withoutMcpSecrets(run.agentConfig).config),
    ...(run.skillSpec ? { agent_skill: { full_path: run.skillSpec, name: skillName(run.skillSpec) } } : {}),
    artifacts: run.artifacts,
    conversation_id: run.conversationId,
    creator: { uid: run.creatorUid, type: 'service_account' },
    is_sandbox_running: run.state === 'CLAIMED' || (run.state === 'INPROGRESS' && run.environmentId !== null),
    ...(run.schedule ? { schedule: run.schedule } : {}),
    scope: { type: run.team ? 'Team' : 'User' },
    session_link: run.sessionLink,
    status_message: statusMessage(run, viewer.isAdmin),
    output: run.output === null ? null : redactUrlCredentials(run.output),
    // Which provider a failed run was last sent to is part of the failure's detail: the admin's.
    provider:
      run.providerKey && (viewer.isAdmin || run.state !== 'FAILED')
        ? { key: run.providerKey, type: run.providerType ?? 'unknown', model: run.providerModel ?? 'unknown' }
        : null,
    attempts: run.attempts,
    worker_id: run.workerId ?? null,
    request_usage: requestUsage(run.requestUsage),
  };
}

/** The LLM gateway usage as stored, on the wire: totals, and per provider in key order. */
export function requestUsage(stored: StoredRequestUsage | null | undefined): RunRequestUsage | null {
  if (!stored) return null;
  const counts = (from: StoredUsageCounts): RequestUsageCounts => ({
    calls: Number(from.calls ?? 0),
    failed_calls: Number(from.failed_calls ?? 0),
    input_tokens: Number(from.input_tokens ?? 0),
    output_tokens: Number(from.output_tokens ?? 0),
  });
  const providers = Object.entries(stored.providers ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return { ...counts(stored), by_provider: providers.map(([provider, usage]) => ({ provider, ...counts(usage) })) };
}

export function toRunResponse(run: RunEntity): AgentRunResponse {
  return { run_id: run.id, task_id: run.id, state: run.state };
}

function statusMessage(run: RunEntity, isAdmin: boolean): RunItem['status_message'] {
  if (!run.statusMessage) return null;
  const message = redactUrlCredentials(run.statusMessage);
  return isAdmin && run.statusDetail ? { message, detail: redactUrlCredentials(run.statusDetail) } : { message };
}

/** `owner/repo:path/to/skill` → `skill`. */
function skillName(spec: string): string {
  const path = spec.slice(spec.indexOf(':') + 1);
  return path.replace(/\/SKILL\.md$/i, '').split('/').pop() || path;
}
