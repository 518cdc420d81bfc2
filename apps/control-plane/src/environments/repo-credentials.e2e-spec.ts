import { connectScriptedWorker, createTestDatabase, queryOnce, startBuiltServer, type BuiltServer, type TestDatabase } from '@oz/testing';
import OzAPI from 'oz-agent-sdk';
import { buildControlPlane } from '../testing/control-plane-process';
import { secretsKeyFor } from '../testing/control-plane-harness';
import { inState, retrieveRun, waitForRun } from '../testing/run-polling';

const ADMIN_KEY = 'repo-credentials-admin-key-0123456789';
const WORKER_TOKEN = 'repo-credentials-worker-0123456789';
const TENANT = 'repo-credentials-tenant-0123456789';
const GITHUB_TOKEN = 'ghp_Zq8uN3cr3tT0k3nF0rTh3R3p0';
const REPO = `https://x-access-token:${GITHUB_TOKEN}@github.com/acme/private-app.git`;
const SHOWN = 'https://***@github.com/acme/private-app.git';

/**
 * A repository URL with credentials in it (`https://x-access-token:…@github.com/o/r`): the worker
 * gets it whole to clone, and nothing else ever shows the credentials: not the API's answers, not
 * what the control plane stores of a run (output, log lines, status), not its own logs. The control
 * plane runs as operators run it, so its log is what it really writes.
 */
describe('credentials in repository URLs', () => {
  let database: TestDatabase;
  let server: BuiltServer;
  let environmentId: string;
  const sdk = () => new OzAPI({ apiKey: TENANT, baseURL: `${server.origin}/api/v1`, maxRetries: 0, logLevel: 'off' });
  const request = (path: string, init: RequestInit = {}) =>
    fetch(`${server.origin}${path}`, { ...init, headers: { authorization: `Bearer ${TENANT}`, 'content-type': 'application/json', ...(init.headers as Record<string, string>) } });

  beforeAll(buildControlPlane);
  beforeAll(async () => {
    database = await createTestDatabase('oz_cp_repo_creds');
    server = await startBuiltServer('control-plane', {
      DATABASE_URL: database.url,
      OZ_ADMIN_API_KEY: ADMIN_KEY,
      OZ_SECRETS_KEY: secretsKeyFor(database),
      OZ_WORKER_TOKEN: WORKER_TOKEN,
      OZ_EXECUTOR_CONCURRENCY: '0',
      OZ_SCHEDULER_ENABLED: 'false',
      OZ_DISPATCH_POLL_INTERVAL_MS: '200',
      OZ_LOG_LEVEL: 'debug',
    });
    const created = await request('/api/v1/environments', {
      method: 'POST',
      body: JSON.stringify({ name: 'private', docker_image: 'oz-task:test', repos: [REPO, 'acme/public-lib'] }),
    });
    expect(created.status).toBe(201);
    const body = (await created.json()) as { id: string; repos: string[] };
    expect(body.repos).toEqual([SHOWN, 'acme/public-lib']);
    environmentId = body.id;
  });
  afterAll(async () => {
    await server?.stop();
    await database?.drop();
  });

  it('shows them as *** in every answer about the environment, and keeps them on a PUT of what was shown', async () => {
    const got = (await (await request(`/api/v1/environments/${environmentId}`)).json()) as { repos: string[] };
    expect(got.repos).toEqual([SHOWN, 'acme/public-lib']);
    const updated = await request(`/api/v1/environments/${environmentId}`, {
      method: 'PUT',
      body: JSON.stringify({ name: 'private', docker_image: 'oz-task:test', repos: got.repos }),
    });
    expect(updated.status).toBe(200);
    const listed = await (await request('/api/v1/environments')).text();
    expect(listed).toContain(SHOWN);
    expect(listed).not.toContain(GITHUB_TOKEN);

    // Stored sealed: no column holds the token.
    const [row] = await queryOnce<{ whole: string }>(database.url, `SELECT row_to_json(e)::text AS whole FROM environments e WHERE id = '${environmentId}'`);
    expect(row?.whole).not.toContain(GITHUB_TOKEN);
    expect(row?.whole).toContain('repos_ciphertext":"v2.');
  });

  it('refuses a *** URL that matches no stored repository', async () => {
    const response = await request(`/api/v1/environments/${environmentId}`, {
      method: 'PUT',
      body: JSON.stringify({ name: 'private', docker_image: 'oz-task:test', repos: ['https://***@github.com/acme/other.git'] }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errors: Array<{ field: string }> }).errors[0].field).toBe('repos[0]');
  });

  it('gives the worker the URL whole, and hides it in the run’s output, log lines, status and the server log', async () => {
    const worker = await connectScriptedWorker(server.origin, WORKER_TOKEN, 'cloner');
    try {
      // A rejection first: its reason is logged by the control plane.
      const { run_id } = await sdk().agent.run({ prompt: 'clone and fix', config: { environment_id: environmentId } });
      const first = await worker.next('task_assignment');
      expect(first.env_vars?.['OZ_ENV_REPOS']).toBe(`${REPO}\nacme/public-lib`);
      await worker.send('task_rejected', { task_id: run_id, reason: `cannot reach ${REPO} from here` });

      const again = await worker.next('task_assignment');
      await worker.send('task_claimed', { task_id: run_id, worker_id: 'cloner' });
      await worker.send('task_started', { task_id: run_id });
      await worker.send('task_log', { task_id: run_id, lines: [`Cloning into 'app'... ${REPO}`, 'done'] });
      await worker.send('task_failed', {
        task_id: again.task_id,
        message: `fatal: could not read from ${REPO}`,
        output: `I tried ${REPO} twice`,
      });
      const run = await waitForRun(sdk(), run_id, inState('FAILED'));
      expect(run.status_message?.message).toContain('https://***@github.com/acme/private-app.git');
      expect(run.output).toBe(`I tried ${SHOWN} twice`);
      const logs = await (await request(`/api/v1/agent/runs/${run_id}/logs`)).text();
      expect(logs).toContain(`Cloning into 'app'... ${SHOWN}`);

      const seen = JSON.stringify([run, await retrieveRun(new OzAPI({ apiKey: ADMIN_KEY, baseURL: `${server.origin}/api/v1`, logLevel: 'off' }), run_id), logs]);
      expect(seen).not.toContain(GITHUB_TOKEN);
      const [stored] = await queryOnce<{ whole: string }>(
        database.url,
        `SELECT (SELECT row_to_json(r)::text FROM runs r WHERE id = '${run_id}') || (SELECT string_agg(line, '\n') FROM run_logs WHERE run_id = '${run_id}') AS whole`,
      );
      expect(stored?.whole).toContain('***@github.com');
      expect(stored?.whole).not.toContain(GITHUB_TOKEN);
    } finally {
      await worker.close();
    }

    // The log is complete once the process has exited (it writes in the background).
    await server.stop();
    const log = server.output();
    expect(log).toMatch(/"msg":"run.rejected"/);
    expect(log).toContain('https://***@github.com/acme/private-app.git');
    expect(log).not.toContain(GITHUB_TOKEN);
  });
});
