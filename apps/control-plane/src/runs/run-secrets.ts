import { Injectable } from '@nestjs/common';
import type { AmbientAgentConfig } from '@oz/contract';
import { withMcpSecrets, type McpSecrets } from '../common/secrets/mcp-secrets';
import { SecretBox, secretContext } from '../common/secrets/secret-box';
import { RunsRepository } from './runs.repository';

/** What a worker gets of a run's sealed parts, or which part did not open. */
export type WorkerSecrets =
  | { agentConfig: AmbientAgentConfig; taskEnv: Record<string, string> }
  | { unopened: 'the MCP secrets of its config' | 'its task_env' };

/**
 * The sealed parts of a run, each sealed for that run's id: its MCP servers' headers and env values
 * (`runs.mcp_secrets_ciphertext`) and its `task_env` values (`runs.task_env_ciphertext`). Stored and
 * shown as "<redacted>"; opened only for the worker assignment.
 */
@Injectable()
export class RunSecrets {
  constructor(
    private readonly runs: RunsRepository,
    private readonly box: SecretBox,
  ) {}

  seal(runId: string, secrets: McpSecrets | null): string | null {
    return secrets ? this.box.seal(JSON.stringify(secrets), secretContext('runs', 'mcp_secrets', runId)) : null;
  }

  sealTaskEnv(runId: string, taskEnv: Record<string, string> | null): string | null {
    return taskEnv ? this.box.seal(JSON.stringify(taskEnv), secretContext('runs', 'task_env', runId)) : null;
  }

  /**
   * The run's config as its worker needs it, MCP secrets included, and its task_env opened (the
   * assignment's env_vars get them). A part that does not open (the key or the ciphertext changed) is
   * named; a failing database query throws.
   */
  async forWorker(runId: string, agentConfig: AmbientAgentConfig): Promise<WorkerSecrets> {
    const sealed = await this.runs.findSealed(runId);
    let secrets: McpSecrets | null = null;
    let taskEnv: Record<string, string> = {};
    try {
      if (sealed.mcpSecrets) secrets = JSON.parse(this.box.open(sealed.mcpSecrets, secretContext('runs', 'mcp_secrets', runId))) as McpSecrets;
    } catch {
      return { unopened: 'the MCP secrets of its config' };
    }
    try {
      if (sealed.taskEnv) taskEnv = JSON.parse(this.box.open(sealed.taskEnv, secretContext('runs', 'task_env', runId))) as Record<string, string>;
    } catch {
      return { unopened: 'its task_env' };
    }
    return { agentConfig: withMcpSecrets(agentConfig, secrets), taskEnv };
  }
}
