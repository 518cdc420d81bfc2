import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SealedSecrets } from '../core/sealed-secrets';
import { hasSecrets, holdsPlainSecrets, separateSecrets } from './agent-secrets';
import { AgentsRepository } from './agents.repository';
import { agentSecretsContext } from './agents.service';

const PAGE = 200;

/**
 * At start-up, seals the secrets of agents written before secrets were sealed (or while the server
 * had no key): their header and env values and URL credentials move from the visible columns into
 * `agents.secrets`. Each row is rewritten only if unchanged since it was read, so replicas starting
 * together, or a user editing the agent meanwhile, are safe.
 */
@Injectable()
export class AgentSecretsUpgrade implements OnApplicationBootstrap {
  private readonly logger = new Logger('agents');

  constructor(
    private readonly agents: AgentsRepository,
    private readonly vault: SealedSecrets,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.vault.verifyKey();
    let sealed = 0;
    let waiting = 0;
    for (let after: string | null = null; ; ) {
      const page = await this.agents.unsealed(after, PAGE);
      for (const row of page) {
        if (!holdsPlainSecrets(row.repo_url, row.mcp_servers)) continue;
        if (!this.vault.available) {
          waiting += 1;
          continue;
        }
        try {
          const separated = separateSecrets({ repo_url: row.repo_url, mcp_servers: row.mcp_servers }, {});
          if (!hasSecrets(separated.secrets)) continue;
          const secrets = this.vault.seal(JSON.stringify(separated.secrets), agentSecretsContext(row.id), 'Agent secrets');
          if (await this.agents.sealUnchanged(row, { repo_url: separated.repo_url ?? null, mcp_servers: separated.mcp_servers ?? {}, secrets })) sealed += 1;
        } catch (error) {
          this.logger.warn({ agentId: row.id, err: error }, 'agents.secrets_not_sealed');
        }
      }
      if (page.length < PAGE) break;
      after = page[page.length - 1].id;
    }
    if (sealed) this.logger.log({ agents: sealed }, 'agents.secrets_sealed');
    // Shown redacted all the same; set OZ_SECRETS_KEY to seal them.
    if (waiting) this.logger.warn({ agents: waiting }, 'agents.secrets_in_clear');
  }
}
