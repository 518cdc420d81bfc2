import type { AmbientAgentConfig } from '@oz/contract';
import { ApiException } from '@oz/server-kit';
import { keepRedactedMcpSecrets, withMcpSecrets, withoutMcpSecrets } from './mcp-secrets';

const config: AmbientAgentConfig = {
  model_id: 'claude-x',
  mcp_servers: {
    github: { url: 'https://mcp.example.com', headers: { Authorization: 'Bearer ghp_secret', 'X-Team': 'core' } },
    db: { command: 'mcp-db', args: ['--ro'], env: { DB_PASSWORD: 'hunter2' } },
    docs: { warp_id: 'docs-1' },
  },
};

describe('MCP secrets', () => {
  it('redacts every header and env value in what is stored and shown, keeping the names', () => {
    const { config: shown, secrets } = withoutMcpSecrets(config);
    expect(shown).toEqual({
      model_id: 'claude-x',
      mcp_servers: {
        github: { url: 'https://mcp.example.com', headers: { Authorization: '<redacted>', 'X-Team': '<redacted>' } },
        db: { command: 'mcp-db', args: ['--ro'], env: { DB_PASSWORD: '<redacted>' } },
        docs: { warp_id: 'docs-1' },
      },
    });
    expect(JSON.stringify(shown)).not.toMatch(/ghp_secret|hunter2|core/);
    expect(secrets).toEqual({ github: { headers: { Authorization: 'Bearer ghp_secret', 'X-Team': 'core' } }, db: { env: { DB_PASSWORD: 'hunter2' } } });
  });

  it('puts the secrets back for the worker', () => {
    const { config: shown, secrets } = withoutMcpSecrets(config);
    expect(withMcpSecrets(shown, secrets)).toEqual(config);
  });

  it('has nothing to seal for a config without MCP secrets', () => {
    expect(withoutMcpSecrets({ model_id: 'x' })).toEqual({ config: { model_id: 'x' }, secrets: null });
    expect(withoutMcpSecrets({ mcp_servers: { docs: { warp_id: 'd' } } }).secrets).toBeNull();
  });

  it('keeps a stored value for "<redacted>" and refuses one with nothing stored, naming the field', () => {
    const stored = { github: { headers: { Authorization: 'Bearer old' } } };
    const given = { github: { headers: { Authorization: '<redacted>', 'X-Team': 'new' } } };
    expect(keepRedactedMcpSecrets('agent_config', given, stored)).toEqual({ github: { headers: { Authorization: 'Bearer old', 'X-Team': 'new' } } });

    const refused = (() => {
      try {
        keepRedactedMcpSecrets('config', { db: { env: { PASSWORD: '<redacted>' } } }, stored);
      } catch (error) {
        return error as ApiException;
      }
      return null;
    })();
    expect(refused).toBeInstanceOf(ApiException);
    expect(refused?.status).toBe(400);
    expect(refused?.fieldErrors).toEqual([{ field: 'config.mcp_servers.db.env.PASSWORD', message: expect.any(String) }]);
  });
});
