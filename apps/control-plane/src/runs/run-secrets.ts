import { Injectable } from '@nestjs/common';
import type { AmbientAgentConfig } from '@oz/contract';
import { withMcpSecrets, type McpSecrets } from '../common/secrets/mcp-secrets';
import { SecretBox, secretContext } from '../common/secrets/secret-box';
import { RunsRepository } from './runs.repository';

/**
 * The sealed part of a run: its MCP servers' headers and env values (`runs.mcp_secrets_ciphertext`,
 * sealed for that run's id). Stored and shown as "<redacted>"; opened only for the worker assignment.
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

  /**
   * The run's config as its worker needs it, secrets included; null when they do not open (the key or
   * the ciphertext changed). A failing database query throws.
   */
  async agentConfigForWorker(runId: string, agentConfig: AmbientAgentConfig): Promise<AmbientAgentConfig | null> {
    const sealed = await this.runs.findMcpSecretsCiphertext(runId);
    if (!sealed) return agentConfig;
    let secrets: McpSecrets;
    try {
      secrets = JSON.parse(this.box.open(sealed, secretContext('runs', 'mcp_secrets', runId))) as McpSecrets;
    } catch {
      return null;
    }
    return withMcpSecrets(agentConfig, secrets);
  }
}
