import { connectScriptedWorker, queryOnce, type ScriptedWorker } from '@oz/testing';
import { createCipheriv, randomBytes } from 'node:crypto';
import { SchedulesService } from '../../schedules/schedules.service';
import { readErrorBody } from '../../testing/error-response';
import { secretsKeyFor, startControlPlane, tenantToken, type ControlPlaneHarness } from '../../testing/control-plane-harness';
import { inState, retrieveRun, waitForRun } from '../../testing/run-polling';

const WORKER_TOKEN = 'secrets-worker-token-0123456789';
const JSON_BODY = { 'content-type': 'application/json' };

const MCP_SERVERS = {
  github: { url: 'https://mcp.example.com/github', headers: { Authorization: 'Bearer ghp_mcpHeaderSecret123' } },
  db: { command: 'mcp-postgres', args: ['--read-only'], env: { PGPASSWORD: 'pg-env-secret-456' } },
};
const SECRETS = ['ghp_mcpHeaderSecret123', 'pg-env-secret-456'];
const REDACTED_SERVERS = {
  github: { url: 'https://mcp.example.com/github', headers: { Authorization: '<redacted>' } },
  db: { command: 'mcp-postgres', args: ['--read-only'], env: { PGPASSWORD: '<redacted>' } },
};

/** How the first version sealed (AES-256-GCM, no associated data), to check such values still open. */
function sealLegacy(keyBase64: string, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(keyBase64, 'base64'), iv);
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), data].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
}

/**
 * Secrets at rest: MCP server headers/env of runs and schedules are sealed beside their row and shown
 * as "<redacted>"; the worker assignment carries them opened. Every sealed value is bound to its row
 * and field (associated data) with a full 16-byte tag, so a value moved, cut or changed does not open.
 */
describe('secrets at rest', () => {
  let cp: ControlPlaneHarness;
  const workers: ScriptedWorker[] = [];
  const token = tenantToken('secrets');

  beforeAll(async () => {
    cp = await startControlPlane({ OZ_WORKER_TOKEN: WORKER_TOKEN, OZ_DISPATCH_POLL_INTERVAL_MS: '200' });
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.close()));
    const { runs } = await cp.sdk(token).agent.runs.list({ state: ['PENDING', 'CLAIMED', 'INPROGRESS'], limit: 100 });
    await Promise.all(runs.map((run) => cp.sdk(token).agent.runs.cancel(run.run_id)));
  });
  afterAll(() => cp.close());

  async function worker(workerId: string): Promise<ScriptedWorker> {
    const connected = await connectScriptedWorker(cp.origin, WORKER_TOKEN, workerId);
    workers.push(connected);
    return connected;
  }

  async function environment(name: string, body: Record<string, unknown> = {}): Promise<string> {
    const response = await cp.request('/api/v1/environments', {
      token,
      method: 'POST',
      headers: JSON_BODY,
      body: JSON.stringify({ name, docker_image: 'oz-task:test', ...body }),
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { id: string }).id;
  }

  const wholeRow = async (table: string, id: string): Promise<string> =>
    (await cp.dataSource.query(`SELECT row_to_json(t)::text AS whole FROM ${table} t WHERE id = $1`, [id]))[0].whole;

  describe('MCP server headers and env of a run', () => {
    it('are shown redacted, stored sealed, and given opened to the worker only', async () => {
      const environmentId = await environment('mcp');
      const { run_id } = await cp.sdk(token).agent.run({ prompt: 'use the tools', config: { environment_id: environmentId, mcp_servers: MCP_SERVERS } });

      for (const viewer of [token, cp.adminKey]) {
        const run = await retrieveRun(cp.sdk(viewer), run_id);
        expect(run.agent_config.mcp_servers).toEqual(REDACTED_SERVERS);
        const listed = JSON.stringify(await cp.sdk(viewer).agent.runs.list());
        for (const secret of SECRETS) expect(listed).not.toContain(secret);
      }

      const row = await wholeRow('runs', run_id);
      for (const secret of SECRETS) expect(row).not.toContain(secret);
      const [{ mcp_secrets_ciphertext }] = await cp.dataSource.query(`SELECT mcp_secrets_ciphertext FROM runs WHERE id = $1`, [run_id]);
      expect(mcp_secrets_ciphertext).toMatch(/^v2\./);

      const assignment = await (await worker('mcp-worker')).next('task_assignment');
      expect(assignment.task_id).toBe(run_id);
      expect(assignment.task.agent_config_snapshot.mcp_servers).toEqual(MCP_SERVERS);
    });

    it('refuses "<redacted>" sent back as a value of a new run, naming the field', async () => {
      const response = await cp.request('/api/v1/agent/run', {
        token,
        method: 'POST',
        headers: JSON_BODY,
        body: JSON.stringify({ prompt: 'copied', config: { mcp_servers: REDACTED_SERVERS } }),
      });
      expect(response.status).toBe(400);
      expect((await readErrorBody(response)).errors?.map((e) => e.field)).toEqual(['config.mcp_servers.github.headers.Authorization']);
    });

    it('fail the run, not the dispatcher, when they do not open', async () => {
      const environmentId = await environment('tampered-run');
      const { run_id } = await cp.sdk(token).agent.run({ prompt: 'tampered', config: { environment_id: environmentId, mcp_servers: MCP_SERVERS } });
      // The run's sealed value moved onto another run: bound to its own run id, it does not open there.
      const { run_id: other } = await cp.sdk(token).agent.run({ prompt: 'other', config: { environment_id: environmentId, mcp_servers: MCP_SERVERS } });
      await cp.dataSource.query(`UPDATE runs SET mcp_secrets_ciphertext = (SELECT mcp_secrets_ciphertext FROM runs WHERE id = $2) WHERE id = $1`, [run_id, other]);
      await cp.sdk(token).agent.runs.cancel(other);

      await worker('tamper-worker');
      const failed = await waitForRun(cp.sdk(token), run_id, inState('FAILED'));
      expect(failed.status_message?.message).toBe('The run cannot be given to a worker: the MCP secrets of its config cannot be decrypted');
    });
  });

  describe('MCP server headers and env of a schedule', () => {
    it('are sealed, kept on a PUT that sends "<redacted>", and opened into each run it fires', async () => {
      const environmentId = await environment('scheduled');
      const sdk = cp.sdk(token);
      const schedule = await sdk.agent.schedules.create({
        name: 'nightly tools',
        cron_schedule: '0 3 * * *',
        prompt: 'nightly',
        agent_config: { environment_id: environmentId, mcp_servers: MCP_SERVERS },
      });
      expect(schedule.agent_config?.mcp_servers).toEqual(REDACTED_SERVERS);
      for (const secret of SECRETS) expect(await wholeRow('schedules', schedule.id)).not.toContain(secret);

      // A client sends back what it read, changing only the cron: the secrets stay.
      const updated = await sdk.agent.schedules.update(schedule.id, {
        name: 'nightly tools',
        cron_schedule: '0 4 * * *',
        prompt: 'nightly',
        enabled: true,
        agent_config: { environment_id: environmentId, mcp_servers: REDACTED_SERVERS },
      });
      expect(updated.agent_config?.mcp_servers).toEqual(REDACTED_SERVERS);

      await cp.dataSource.query(`UPDATE schedules SET next_run_at = now() - interval '1 minute' WHERE id = $1`, [schedule.id]);
      await cp.app.get(SchedulesService).fireDue();
      const assignment = await (await worker('schedule-worker')).next('task_assignment');
      expect(assignment.task.agent_config_snapshot.mcp_servers).toEqual(MCP_SERVERS);
      for (const secret of SECRETS) expect(await wholeRow('runs', assignment.task_id)).not.toContain(secret);
    });
  });

  describe('sealed environment values', () => {
    it.each([
      ['one bit of the ciphertext is flipped', (sealed: string) => {
        const [version, iv, tag, data] = sealed.split('.');
        const bytes = Buffer.from(data, 'base64url');
        bytes[0] ^= 1;
        return [version, iv, tag, bytes.toString('base64url')].join('.');
      }],
      ['the tag is cut to 4 bytes', (sealed: string) => {
        const [version, iv, tag, data] = sealed.split('.');
        return [version, iv, Buffer.from(tag, 'base64url').subarray(0, 4).toString('base64url'), data].join('.');
      }],
    ])('are refused when %s: the run fails, the secret is never delivered', async (_, tamper) => {
      const environmentId = await environment(`tampered-${Math.random()}`, { env_vars: { API_TOKEN: 'env-secret-789' } });
      const [{ env_vars_ciphertext }] = await cp.dataSource.query(`SELECT env_vars_ciphertext FROM environments WHERE id = $1`, [environmentId]);
      await cp.dataSource.query(`UPDATE environments SET env_vars_ciphertext = $2 WHERE id = $1`, [environmentId, tamper(env_vars_ciphertext)]);
      const { run_id } = await cp.sdk(token).agent.run({ prompt: 'tampered env', config: { environment_id: environmentId } });

      const w = await worker('env-tamper-worker');
      const failed = await waitForRun(cp.sdk(token), run_id, inState('FAILED'));
      expect(failed.status_message?.message).toBe('The run cannot be given to a worker: the secrets of its environment cannot be decrypted');
      expect(JSON.stringify(w.received)).not.toContain('env-secret-789');
    });

    it('are refused when moved to another environment (the environment id is associated data)', async () => {
      const source = await environment('source', { env_vars: { API_TOKEN: 'source-secret' } });
      const target = await environment('target', { env_vars: { API_TOKEN: 'target-secret' } });
      await cp.dataSource.query(`UPDATE environments SET env_vars_ciphertext = (SELECT env_vars_ciphertext FROM environments WHERE id = $2) WHERE id = $1`, [target, source]);
      const { run_id } = await cp.sdk(token).agent.run({ prompt: 'moved', config: { environment_id: target } });

      const w = await worker('env-moved-worker');
      await waitForRun(cp.sdk(token), run_id, inState('FAILED'));
      expect(JSON.stringify(w.received)).not.toContain('source-secret');
    });

    it('sealed by the first version still open, and are sealed again, bound to their row, at start-up', async () => {
      const environmentId = await environment('legacy', { env_vars: { API_TOKEN: 'placeholder' } });
      const legacy = sealLegacy(secretsKeyFor(cp.database), JSON.stringify({ API_TOKEN: 'legacy-secret' }));
      const legacyRun = await cp.sdk(token).agent.run({ prompt: 'legacy mcp' });
      await queryOnce(cp.database.url, `UPDATE environments SET env_vars_ciphertext = '${legacy}' WHERE id = '${environmentId}'`);
      // What an earlier version stored: MCP secrets in the clear in agent_config.
      await cp.dataSource.query(`UPDATE runs SET agent_config = $2::jsonb, mcp_secrets_ciphertext = NULL WHERE id = $1`, [
        legacyRun.run_id,
        JSON.stringify({ mcp_servers: MCP_SERVERS }),
      ]);
      await cp.dataSource.query(`DELETE FROM maintenance_done`);

      // A replica starting on this database seals what it finds.
      const replica = await startControlPlane({ OZ_WORKER_TOKEN: WORKER_TOKEN }, cp.database);
      await replica.close();
      const [env] = await cp.dataSource.query(`SELECT env_vars_ciphertext FROM environments WHERE id = $1`, [environmentId]);
      expect(env.env_vars_ciphertext).toMatch(/^v2\./);
      for (const secret of SECRETS) expect(await wholeRow('runs', legacyRun.run_id)).not.toContain(secret);

      const { run_id } = await cp.sdk(token).agent.run({ prompt: 'uses the legacy env', config: { environment_id: environmentId } });
      const assignment = await (await worker('legacy-worker')).next('task_assignment');
      expect(assignment.task_id).toBe(run_id);
      expect(assignment.env_vars?.['OZ_ENV_VARS']).toBe('API_TOKEN=legacy-secret');
    });
  });
});
