import { holdsPlainSecrets, redactedServers, revealedServers, separateSecrets } from './agent-secrets';

const servers = {
  github: { url: 'https://mcp.example.com/sse', headers: { Authorization: 'Bearer ghp_one', 'X-Team': 'core' }, args: ['--verbose'] },
  local: { command: 'mcp-db', env: { DB_PASSWORD: 'hunter2' } },
  private: { url: 'https://bot:tok3n@mcp.internal/x' },
};

describe('agent secrets', () => {
  it('shows header and env values as "<redacted>" and URL credentials as ***, and keeps the real values sealed', () => {
    const { repo_url, mcp_servers, secrets } = separateSecrets({ repo_url: 'https://x-access-token:ghp_two@github.com/acme/app', mcp_servers: servers }, {});
    expect(repo_url).toBe('https://***@github.com/acme/app');
    expect(mcp_servers).toEqual({
      github: { url: 'https://mcp.example.com/sse', headers: { Authorization: '<redacted>', 'X-Team': '<redacted>' }, args: ['--verbose'] },
      local: { command: 'mcp-db', env: { DB_PASSWORD: '<redacted>' } },
      private: { url: 'https://***@mcp.internal/x' },
    });
    expect(JSON.stringify(mcp_servers)).not.toMatch(/ghp_|hunter2|tok3n/);
    expect(secrets).toEqual({
      repo_url: 'https://x-access-token:ghp_two@github.com/acme/app',
      mcp: {
        github: { headers: { Authorization: 'Bearer ghp_one', 'X-Team': 'core' } },
        local: { env: { DB_PASSWORD: 'hunter2' } },
        private: { url: 'https://bot:tok3n@mcp.internal/x' },
      },
    });
    expect(revealedServers(mcp_servers as Record<string, unknown>, secrets)).toEqual(servers);
  });

  it('keeps the stored value for "<redacted>" and for a URL sent back as shown; takes new values as given', () => {
    const first = separateSecrets({ repo_url: 'https://u:p@git.example/r', mcp_servers: servers }, {});
    const shown = first.mcp_servers as Record<string, Record<string, unknown>>;
    const edited = {
      ...shown,
      github: { ...shown['github'], headers: { Authorization: '<redacted>', 'X-Team': 'platform', 'X-New': 'v' } },
    };
    const second = separateSecrets({ repo_url: first.repo_url, mcp_servers: edited }, first.secrets);
    expect(second.secrets).toEqual({
      repo_url: 'https://u:p@git.example/r',
      mcp: {
        github: { headers: { Authorization: 'Bearer ghp_one', 'X-Team': 'platform', 'X-New': 'v' } },
        local: { env: { DB_PASSWORD: 'hunter2' } },
        private: { url: 'https://bot:tok3n@mcp.internal/x' },
      },
    });
    // A field not given keeps its secrets; one cleared loses them.
    expect(separateSecrets({}, first.secrets).secrets).toEqual(first.secrets);
    expect(separateSecrets({ repo_url: null, mcp_servers: {} }, first.secrets)).toEqual({ repo_url: null, mcp_servers: {}, secrets: {} });
    expect(separateSecrets({ repo_url: 'https://github.com/acme/other' }, first.secrets).secrets.repo_url).toBeUndefined();
  });

  it.each([
    [{ gh: { headers: { Authorization: '<redacted>' } } }, 'mcp_servers.gh.headers.Authorization', 'is "<redacted>", but no value is stored for it'],
    [{ gh: 'https://mcp.example.com' }, 'mcp_servers.gh', 'must be an object of settings'],
    [{ gh: { headers: ['a'] } }, 'mcp_servers.gh.headers', 'must be an object of header name → string'],
    [{ gh: { env: { A: 1 } } }, 'mcp_servers.gh.env.A', 'must be a string'],
    [{ gh: { url: 5 } }, 'mcp_servers.gh.url', 'must be a string'],
  ])('refuses %j naming %s', (mcp_servers, field, message) => {
    expect(() => separateSecrets({ mcp_servers }, {})).toThrow(message);
    try {
      separateSecrets({ mcp_servers }, {});
    } catch (error) {
      expect(error).toMatchObject({ status: 400, fieldErrors: [{ field }] });
    }
  });

  it('redacts rows written before secrets were sealed, and knows they hold some', () => {
    expect(redactedServers(servers)).toEqual(separateSecrets({ mcp_servers: servers }, {}).mcp_servers);
    expect(holdsPlainSecrets(null, servers)).toBe(true);
    expect(holdsPlainSecrets('https://u:p@h/r', {})).toBe(true);
    expect(holdsPlainSecrets('https://h/r', { gh: { url: 'https://h' } })).toBe(false);
    expect(holdsPlainSecrets(null, redactedServers(servers))).toBe(false);
  });
});
