import type { AgentRunResponse, RunItem } from '@oz/contract';
import type { RunEntity } from './run.entity';

export function toRunItem(run: RunEntity): RunItem {
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
    agent_config: run.agentConfig,
    ...(run.skillSpec ? { agent_skill: { full_path: run.skillSpec, name: skillName(run.skillSpec) } } : {}),
    artifacts: run.artifacts,
    conversation_id: run.conversationId,
    creator: { uid: run.creatorUid, type: 'service_account' },
    is_sandbox_running: run.state === 'CLAIMED' || (run.state === 'INPROGRESS' && run.environmentId !== null),
    ...(run.schedule ? { schedule: run.schedule } : {}),
    scope: { type: run.team ? 'Team' : 'User' },
    session_link: run.sessionLink,
    status_message: run.statusMessage ? { message: run.statusMessage } : null,
    output: run.output,
    provider: run.providerKey
      ? { key: run.providerKey, type: run.providerType ?? 'unknown', model: run.providerModel ?? 'unknown' }
      : null,
  };
}

export function toRunResponse(run: RunEntity): AgentRunResponse {
  return { run_id: run.id, task_id: run.id, state: run.state };
}

/** `owner/repo:path/to/skill` → `skill`. */
function skillName(spec: string): string {
  const path = spec.slice(spec.indexOf(':') + 1);
  return path.replace(/\/SKILL\.md$/i, '').split('/').pop() || path;
}
