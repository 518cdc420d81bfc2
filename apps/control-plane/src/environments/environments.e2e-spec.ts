import { REDACTED_SECRET } from '@oz/contract';
import { NotFoundError } from 'oz-agent-sdk';
import { startControlPlane, tenantToken, type ControlPlaneHarness } from '../testing/control-plane-harness';
import { EnvironmentEntity } from './environment.entity';
import { EnvironmentsService } from './environments.service';

const BASE = '/api/v1/environments';

/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are checked field by field */
type Json = any;

describe('environments over HTTP', () => {
  let cp: ControlPlaneHarness;
  beforeAll(async () => {
    cp = await startControlPlane();
  });
  afterAll(() => cp.close());

  async function call(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
    const response = await cp.request(path, {
      method,
      token,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  async function create(token: string, body: Record<string, unknown>): Promise<Json> {
    const response = await call(token, 'POST', BASE, body);
    expect(response.status).toBe(201);
    return response.body;
  }

  async function storedSecrets(id: string): Promise<Record<string, string>> {
    const entity = await cp.dataSource.getRepository(EnvironmentEntity).findOneByOrFail({ id });
    return cp.app.get(EnvironmentsService).decryptEnvVars(entity);
  }

  const fullEnvironment = (name: string) => ({
    name,
    docker_image: 'ghcr.io/acme/builder:1.2',
    description: 'Builds the monorepo',
    repos: ['acme/api', 'https://github.com/acme/web.git'],
    setup_commands: ['npm ci', 'npm run build'],
    env_vars: { API_TOKEN: 'tok-very-secret-123', DB_PASSWORD: 'hunter2-db-secret' },
  });

  describe('create, get, list', () => {
    it('creates an environment with every field and answers 201 with the secrets redacted', async () => {
      const token = tenantToken();
      const response = await call(token, 'POST', BASE, fullEnvironment('builder'));

      expect(response.status).toBe(201);
      expect(response.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        environment_id: response.body.id,
        name: 'builder',
        docker_image: 'ghcr.io/acme/builder:1.2',
        description: 'Builds the monorepo',
        repos: ['acme/api', 'https://github.com/acme/web.git'],
        setup_commands: ['npm ci', 'npm run build'],
        env_vars: { API_TOKEN: REDACTED_SECRET, DB_PASSWORD: REDACTED_SECRET },
        task_timeout_seconds: null,
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });
      expect(JSON.stringify(response.body)).not.toMatch(/very-secret|hunter2/);
    });

    it('defaults the optional fields: no description, no repos, no setup commands, no secrets', async () => {
      const created = await create(tenantToken(), { name: 'bare', docker_image: 'ubuntu:22.04' });
      expect(created).toMatchObject({ description: null, repos: [], setup_commands: [], env_vars: {} });
      const [row] = await cp.dataSource.query(`SELECT env_var_names, env_vars_ciphertext FROM environments WHERE id = $1`, [
        created.id,
      ]);
      expect(row).toEqual({ env_var_names: [], env_vars_ciphertext: null });
    });

    it('keeps a task time limit, and clears it back to the server default with null', async () => {
      const token = tenantToken();
      const created = await create(token, { name: 'timed', docker_image: 'node:24', task_timeout_seconds: 900 });
      expect(created.task_timeout_seconds).toBe(900);
      expect((await call(token, 'GET', `${BASE}/${created.id}`)).body.task_timeout_seconds).toBe(900);
      const cleared = await call(token, 'PUT', `${BASE}/${created.id}`, { name: 'timed', docker_image: 'node:24', task_timeout_seconds: null });
      expect(cleared.body.task_timeout_seconds).toBeNull();
    });

    it('stores env_vars encrypted: no column holds a secret value, env_var_names holds only the names', async () => {
      const created = await create(tenantToken(), fullEnvironment('encrypted'));

      const [row] = await cp.dataSource.query(`SELECT * FROM environments WHERE id = $1`, [created.id]);
      const [{ whole_row }] = await cp.dataSource.query(
        `SELECT row_to_json(e)::text AS whole_row FROM environments e WHERE id = $1`,
        [created.id],
      );
      expect(whole_row).not.toContain('tok-very-secret-123');
      expect(whole_row).not.toContain('hunter2-db-secret');
      expect(row.env_var_names).toEqual(['API_TOKEN', 'DB_PASSWORD']);
      // Sealed for this row: the environment id is the associated data.
      expect(row.env_vars_ciphertext).toMatch(/^v2\./);
      // The ciphertext is what the worker will be given, so it has to open back to the exact values.
      expect(await storedSecrets(created.id)).toEqual({ API_TOKEN: 'tok-very-secret-123', DB_PASSWORD: 'hunter2-db-secret' });
    });

    it('redacts secrets on get and list, for the owner and for the admin', async () => {
      const token = tenantToken();
      const created = await create(token, fullEnvironment('redacted-everywhere'));
      const redacted = { API_TOKEN: REDACTED_SECRET, DB_PASSWORD: REDACTED_SECRET };

      for (const who of [token, cp.adminKey]) {
        const got = await call(who, 'GET', `${BASE}/${created.id}`);
        expect(got.status).toBe(200);
        expect(got.body).toEqual(created);
        expect(got.body.env_vars).toEqual(redacted);

        const listed = await call(who, 'GET', BASE);
        expect(listed.status).toBe(200);
        const mine = listed.body.environments.find((e: Json) => e.id === created.id);
        expect(mine.env_vars).toEqual(redacted);
        expect(JSON.stringify(listed.body)).not.toMatch(/very-secret|hunter2/);
      }
    });

    it("lists only the caller's environments, sorted by name", async () => {
      const token = tenantToken();
      for (const name of ['charlie', 'alpha', 'bravo']) await create(token, { name, docker_image: 'node:24' });

      const listed = await call(token, 'GET', BASE);

      expect(listed.status).toBe(200);
      expect(listed.body.environments.map((e: Json) => e.name)).toEqual(['alpha', 'bravo', 'charlie']);
    });

    it('answers 404 for an id that does not exist or is not a UUID', async () => {
      const token = tenantToken();
      for (const id of ['3f0e2f44-8a4f-4bd7-9d0c-1a0a5a4f0b11', 'not-a-uuid']) {
        for (const method of ['GET', 'DELETE']) {
          const response = await call(token, method, `${BASE}/${id}`);
          expect(response.status).toBe(404);
          expect(response.body.message).toBe(`Environment ${id} not found`);
        }
        const put = await call(token, 'PUT', `${BASE}/${id}`, { name: 'x', docker_image: 'node:24' });
        expect(put.status).toBe(404);
      }
    });
  });

  describe('update', () => {
    it('replaces every other field and keeps all stored secrets when env_vars is omitted', async () => {
      const token = tenantToken();
      const created = await create(token, fullEnvironment('before-update'));

      const updated = await call(token, 'PUT', `${BASE}/${created.id}`, {
        name: 'after-update',
        docker_image: 'node:24-slim',
        setup_commands: ['make'],
      });

      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({
        id: created.id,
        name: 'after-update',
        docker_image: 'node:24-slim',
        description: null,
        repos: [],
        setup_commands: ['make'],
        env_vars: { API_TOKEN: REDACTED_SECRET, DB_PASSWORD: REDACTED_SECRET },
        created_at: created.created_at,
      });
      expect(Date.parse(updated.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.updated_at));
      expect((await call(token, 'GET', `${BASE}/${created.id}`)).body).toEqual(updated.body);
      expect(await storedSecrets(created.id)).toEqual({ API_TOKEN: 'tok-very-secret-123', DB_PASSWORD: 'hunter2-db-secret' });
    });

    it(`keeps the stored value of a key sent as "${REDACTED_SECRET}", replaces keys given new values and drops keys left out`, async () => {
      const token = tenantToken();
      const created = await create(token, {
        name: 'merge',
        docker_image: 'node:24',
        env_vars: { KEEP_ME: 'keep-secret-1', CHANGE_ME: 'old-secret-2', DROP_ME: 'dropped-secret-3' },
      });

      const updated = await call(token, 'PUT', `${BASE}/${created.id}`, {
        name: 'merge',
        docker_image: 'node:24',
        env_vars: { KEEP_ME: REDACTED_SECRET, CHANGE_ME: 'new-secret-2', ADDED: 'added-secret-4' },
      });

      expect(updated.status).toBe(200);
      expect(updated.body.env_vars).toEqual({ ADDED: REDACTED_SECRET, CHANGE_ME: REDACTED_SECRET, KEEP_ME: REDACTED_SECRET });
      expect(JSON.stringify(updated.body)).not.toMatch(/secret-\d/);
      expect(await storedSecrets(created.id)).toEqual({
        KEEP_ME: 'keep-secret-1',
        CHANGE_ME: 'new-secret-2',
        ADDED: 'added-secret-4',
      });
      const [row] = await cp.dataSource.query(`SELECT env_var_names FROM environments WHERE id = $1`, [created.id]);
      expect(row.env_var_names).toEqual(['ADDED', 'CHANGE_ME', 'KEEP_ME']);
    });

    it('removes every secret when env_vars is an empty object', async () => {
      const token = tenantToken();
      const created = await create(token, fullEnvironment('wipe'));

      const updated = await call(token, 'PUT', `${BASE}/${created.id}`, { name: 'wipe', docker_image: 'node:24', env_vars: {} });

      expect(updated.body.env_vars).toEqual({});
      expect(await storedSecrets(created.id)).toEqual({});
    });

    it(`refuses "${REDACTED_SECRET}" for a key that was never stored with 400 and changes nothing`, async () => {
      const token = tenantToken();
      const created = await create(token, fullEnvironment('no-such-key'));

      const response = await call(token, 'PUT', `${BASE}/${created.id}`, {
        name: 'renamed',
        docker_image: 'node:24',
        env_vars: { API_TOKEN: REDACTED_SECRET, NEVER_STORED: REDACTED_SECRET },
      });

      expect(response.status).toBe(400);
      expect(response.body.message).toBe(`env_vars.NEVER_STORED is "${REDACTED_SECRET}" but no stored value exists to keep`);
      expect((await call(token, 'GET', `${BASE}/${created.id}`)).body).toEqual(created);
      expect(await storedSecrets(created.id)).toEqual({ API_TOKEN: 'tok-very-secret-123', DB_PASSWORD: 'hunter2-db-secret' });

      // On create there is nothing stored to keep either.
      const onCreate = await call(token, 'POST', BASE, { name: 'fresh', docker_image: 'node:24', env_vars: { A: REDACTED_SECRET } });
      expect(onCreate.status).toBe(400);
      expect(onCreate.body.message).toBe(`env_vars.A is "${REDACTED_SECRET}" but no stored value exists to keep`);
    });
  });

  describe('names', () => {
    it('refuses a second environment of the same name in one tenant with 409, and a rename onto it', async () => {
      const token = tenantToken();
      await create(token, { name: 'shared-name', docker_image: 'node:24' });
      const other = await create(token, { name: 'other-name', docker_image: 'node:24' });

      const duplicate = await call(token, 'POST', BASE, { name: 'shared-name', docker_image: 'ubuntu:22.04' });
      expect(duplicate.status).toBe(409);
      expect(duplicate.body.message).toBe('An environment named "shared-name" already exists');

      // Names are trimmed, so padding does not make a different name.
      const padded = await call(token, 'POST', BASE, { name: '  shared-name ', docker_image: 'ubuntu:22.04' });
      expect(padded.status).toBe(409);

      const rename = await call(token, 'PUT', `${BASE}/${other.id}`, { name: 'shared-name', docker_image: 'node:24' });
      expect(rename.status).toBe(409);
      expect((await call(token, 'GET', `${BASE}/${other.id}`)).body.name).toBe('other-name');
      expect((await call(token, 'GET', BASE)).body.environments.map((e: Json) => e.name)).toEqual(['other-name', 'shared-name']);
    });

    it('allows the same name in two tenants', async () => {
      const a = await create(tenantToken('a'), { name: 'same-in-both', docker_image: 'node:24' });
      const b = await create(tenantToken('b'), { name: 'same-in-both', docker_image: 'node:24' });
      expect(a.id).not.toBe(b.id);
    });
  });

  describe('delete', () => {
    it('refuses to delete an environment an unfinished run uses, and deletes it once the run is cancelled', async () => {
      const token = tenantToken();
      const environment = await create(token, fullEnvironment('in-use'));
      const sdk = cp.sdk(token);
      const run = await sdk.agent.run({ prompt: 'Build it', config: { environment_id: environment.id } });
      expect(run.state).toBe('PENDING');

      const refused = await call(token, 'DELETE', `${BASE}/${environment.id}`);
      expect(refused.status).toBe(409);
      expect(refused.body.message).toBe(
        `Environment ${environment.id} is used by 1 unfinished run(s); cancel them or wait`,
      );
      expect((await call(token, 'GET', `${BASE}/${environment.id}`)).status).toBe(200);

      await sdk.agent.runs.cancel(run.run_id);
      const deleted = await call(token, 'DELETE', `${BASE}/${environment.id}`);
      expect(deleted.status).toBe(200);
      expect(deleted.body).toEqual({ success: true });

      expect((await call(token, 'GET', `${BASE}/${environment.id}`)).status).toBe(404);
      expect((await call(token, 'DELETE', `${BASE}/${environment.id}`)).status).toBe(404);
      expect((await call(token, 'GET', BASE)).body.environments).toEqual([]);
      // The finished run keeps its history.
      expect((await sdk.agent.runs.retrieve(run.run_id)).state).toBe('CANCELLED');
    });
  });

  describe('validation', () => {
    const valid = { name: 'valid', docker_image: 'node:24' };
    const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
      ['a missing name', { docker_image: 'node:24' }, 'name', /name must be a string/],
      ['a blank name', { ...valid, name: '   ' }, 'name', /name must not be blank/],
      ['a name that is a number', { ...valid, name: 5 }, 'name', /name must be a string/],
      ['a missing image', { name: 'x' }, 'docker_image', /docker_image must be a string/],
      ['an image with spaces', { ...valid, docker_image: 'node 24' }, 'docker_image', /docker_image must be an image reference without spaces/],
      ['repos that is not an array', { ...valid, repos: 'acme/api' }, 'repos', /repos must be an array/],
      ['a repo that is not a string', { ...valid, repos: [42] }, 'repos', /each value in repos must be a string/],
      ['more than 50 repos', { ...valid, repos: Array.from({ length: 51 }, (_, i) => `acme/r${i}`) }, 'repos', /50/],
      [
        'a setup command with a newline',
        { ...valid, setup_commands: ['npm ci\nrm -rf /'] },
        'setup_commands',
        /each setup command must be one line/,
      ],
      ['an empty setup command', { ...valid, setup_commands: [''] }, 'setup_commands', /setup_commands/],
      ['more than 100 setup commands', { ...valid, setup_commands: Array.from({ length: 101 }, () => 'true') }, 'setup_commands', /100/],
      ['an env var key starting with a digit', { ...valid, env_vars: { '1BAD': 'x' } }, 'env_vars', /shell variable names/],
      ['an env var key with a dash', { ...valid, env_vars: { 'BAD-KEY': 'x' } }, 'env_vars', /shell variable names/],
      ['an env var value with a newline', { ...valid, env_vars: { GOOD: 'line1\nline2' } }, 'env_vars', /no line breaks in values/],
      ['an env var value that is not a string', { ...valid, env_vars: { GOOD: 1 } }, 'env_vars', /string values/],
      ['env_vars that is an array', { ...valid, env_vars: ['A=1'] }, 'env_vars', /env_vars must be an object/],
      [
        'more than 100 env vars',
        { ...valid, env_vars: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`K${i}`, 'v'])) },
        'env_vars',
        /at most 100 entries/,
      ],
      ['a description that is not a string', { ...valid, description: 7 }, 'description', /description must be a string/],
      ['a task timeout that is not a whole number', { ...valid, task_timeout_seconds: 1.5 }, 'task_timeout_seconds', /must be an integer/],
      ['a task timeout of zero', { ...valid, task_timeout_seconds: 0 }, 'task_timeout_seconds', /must not be less than 1/],
      ['a task timeout over a week', { ...valid, task_timeout_seconds: 604_801 }, 'task_timeout_seconds', /must not be greater than 604800/],
      // PostgreSQL text cannot store NUL: these must be refused as 400, not fail the INSERT with a 500.
      ['a name with a NUL character', { ...valid, name: 'a\u0000b' }, 'name', /name must not contain NUL characters/],
      ['an image with a NUL character', { ...valid, docker_image: 'node\u0000' }, 'docker_image', /docker_image must not contain NUL characters/],
      ['a description with a NUL character', { ...valid, description: 'd\u0000' }, 'description', /description must not contain NUL/],
    ];

    it.each(cases)('refuses %s with 400, names the field and stores nothing', async (_, body, field, message) => {
      const token = tenantToken();
      const response = await call(token, 'POST', BASE, body);

      expect(response.status).toBe(400);
      expect(response.body.code).toBe('invalid_request');
      expect(response.body.message).toMatch(/^Invalid request: /);
      expect(response.body.message).toMatch(message);
      expect(response.body.errors).toEqual(expect.arrayContaining([{ field, message: expect.stringMatching(message) }]));
      expect((await call(token, 'GET', BASE)).body.environments).toEqual([]);
    });

    it('applies the same rules to PUT and leaves the environment unchanged', async () => {
      const token = tenantToken();
      const created = await create(token, fullEnvironment('validated-put'));

      const response = await call(token, 'PUT', `${BASE}/${created.id}`, {
        name: 'validated-put',
        docker_image: 'node:24',
        env_vars: { '1BAD': 'x' },
      });

      expect(response.status).toBe(400);
      expect(response.body.errors).toEqual([{ field: 'env_vars', message: expect.stringMatching(/shell variable names/) }]);
      expect((await call(token, 'GET', `${BASE}/${created.id}`)).body).toEqual(created);
    });

    it('refuses a body that is not a JSON object', async () => {
      const response = await call(tenantToken(), 'POST', BASE, ['not', 'an', 'object']);
      expect(response.status).toBe(400);
      expect(response.body.message).toBe('Request body must be a JSON object');
    });
  });

  describe('tenant isolation', () => {
    it("hides one tenant's environment from another: get, list, update and delete answer 404 and change nothing", async () => {
      const owner = tenantToken('owner');
      const intruder = tenantToken('intruder');
      const theirs = await create(owner, fullEnvironment('private'));
      await create(intruder, { name: 'mine', docker_image: 'node:24' });

      expect((await call(intruder, 'GET', `${BASE}/${theirs.id}`)).status).toBe(404);
      const listed = await call(intruder, 'GET', BASE);
      expect(listed.body.environments.map((e: Json) => e.name)).toEqual(['mine']);
      expect(JSON.stringify(listed.body)).not.toMatch(/very-secret|hunter2/);
      const put = await call(intruder, 'PUT', `${BASE}/${theirs.id}`, {
        name: 'hijacked',
        docker_image: 'evil:latest',
        env_vars: { API_TOKEN: REDACTED_SECRET },
      });
      expect(put.status).toBe(404);
      expect((await call(intruder, 'DELETE', `${BASE}/${theirs.id}`)).status).toBe(404);

      expect((await call(owner, 'GET', `${BASE}/${theirs.id}`)).body).toEqual(theirs);
      expect(await storedSecrets(theirs.id)).toEqual({ API_TOKEN: 'tok-very-secret-123', DB_PASSWORD: 'hunter2-db-secret' });
    });

    it("refuses a run that names another tenant's environment with 404 and creates no run", async () => {
      const theirs = await create(tenantToken('owner'), fullEnvironment('not-yours'));
      const intruder = cp.sdk(tenantToken('intruder'));

      const error = await intruder.agent.run({ prompt: 'steal', config: { environment_id: theirs.id } }).catch((e) => e);

      expect(error).toBeInstanceOf(NotFoundError);
      expect(error.message).toContain(`Environment ${theirs.id} not found`);
      expect((await intruder.agent.runs.list()).runs).toEqual([]);
    });

    it("lets the admin list and read every tenant's environments, still without secrets", async () => {
      const a = await create(tenantToken('a'), fullEnvironment('admin-sees-a'));
      const b = await create(tenantToken('b'), fullEnvironment('admin-sees-b'));

      const listed = await call(cp.adminKey, 'GET', BASE);

      const ids = listed.body.environments.map((e: Json) => e.id);
      expect(ids).toEqual(expect.arrayContaining([a.id, b.id]));
      const names = listed.body.environments.map((e: Json) => e.name);
      expect(names.filter((n: string) => n.startsWith('admin-sees-'))).toEqual(['admin-sees-a', 'admin-sees-b']);
      expect(JSON.stringify(listed.body)).not.toMatch(/very-secret|hunter2/);
      expect((await call(cp.adminKey, 'GET', `${BASE}/${b.id}`)).body).toEqual(b);

      // The admin may edit a tenant's environment, and still gets no secret back.
      const edited = await call(cp.adminKey, 'PUT', `${BASE}/${b.id}`, {
        name: 'admin-sees-b',
        docker_image: 'node:24',
        env_vars: { API_TOKEN: REDACTED_SECRET, DB_PASSWORD: 'admin-set-secret' },
      });
      expect(edited.status).toBe(200);
      expect(edited.body.env_vars).toEqual({ API_TOKEN: REDACTED_SECRET, DB_PASSWORD: REDACTED_SECRET });
      expect(JSON.stringify(edited.body)).not.toMatch(/very-secret|admin-set-secret/);
      expect(await storedSecrets(b.id)).toEqual({ API_TOKEN: 'tok-very-secret-123', DB_PASSWORD: 'admin-set-secret' });
    });
  });
});
