import { readErrorBody } from '../../testing/error-response';
import { startControlPlane, type ControlPlaneHarness } from '../../testing/control-plane-harness';

/**
 * Whatever a client sends, the answer is a 4xx with the JSON error body, never a 5xx: bad input is the
 * caller's problem and must say what to fix. Paths use :run, :environment and :schedule for ids of
 * rows created in beforeAll, so a body that wrongly passed validation would succeed rather than 404.
 */

const MAX_BODY_BYTES = 4096;

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

interface BadInput {
  name: string;
  method: Method;
  path: string;
  /** Raw body; sent as application/json unless contentType says otherwise. */
  body?: string;
  contentType?: string;
  status: number;
  code: string;
  /** Every one of these must be named in `errors[].field`. */
  fields?: string[];
  /** The message must match (a field name, or the gist of the problem). */
  message?: RegExp;
}

const BODY_ROUTES: { method: Method; path: string }[] = [
  { method: 'POST', path: '/api/v1/agent/run' },
  { method: 'POST', path: '/api/v1/agent/runs' },
  { method: 'POST', path: '/api/v1/environments' },
  { method: 'PUT', path: '/api/v1/environments/:environment' },
  { method: 'POST', path: '/api/v1/agent/schedules' },
  { method: 'PUT', path: '/api/v1/agent/schedules/:schedule' },
];

const NOT_AN_OBJECT = /body must be a JSON object/;
const NOT_JSON = /not valid JSON/;

/** What any body-taking route must do with a body that is not a JSON object, or not JSON at all. */
const bodyShapeCases: BadInput[] = BODY_ROUTES.flatMap(({ method, path }) => {
  const on = (name: string, rest: Omit<BadInput, 'name' | 'method' | 'path'>): BadInput => ({
    name: `${method} ${path}: ${name}`,
    method,
    path,
    ...rest,
  });
  return [
    on('malformed JSON', { body: '{"name": ', status: 400, code: 'malformed_json', message: NOT_JSON }),
    on('JSON followed by garbage', { body: '{} x', status: 400, code: 'malformed_json', message: NOT_JSON }),
    on('a JSON array', { body: '[{"name":"x"}]', status: 400, code: 'invalid_request', message: NOT_AN_OBJECT }),
    on('a JSON string', { body: '"hello"', status: 400, code: 'invalid_request', message: NOT_AN_OBJECT }),
    on('JSON null', { body: 'null', status: 400, code: 'invalid_request', message: NOT_AN_OBJECT }),
    on('a JSON number', { body: '42', status: 400, code: 'invalid_request', message: NOT_AN_OBJECT }),
    on('a JSON boolean', { body: 'true', status: 400, code: 'invalid_request', message: NOT_AN_OBJECT }),
    on('a __proto__ key', { body: '{"__proto__":{"isAdmin":true}}', status: 400, code: 'malformed_json' }),
    on('a body over OZ_MAX_BODY_BYTES', {
      body: JSON.stringify({ name: 'x'.repeat(MAX_BODY_BYTES + 1) }),
      status: 413,
      code: 'body_too_large',
      message: /too large/,
    }),
    on('text/plain', { body: '{"name":"x"}', contentType: 'text/plain', status: 415, code: 'unsupported_media_type' }),
    on('a form', { body: 'name=x', contentType: 'application/x-www-form-urlencoded', status: 415, code: 'unsupported_media_type' }),
    on('XML', { body: '<run/>', contentType: 'application/xml', status: 415, code: 'unsupported_media_type' }),
  ];
});

const RUN_ROUTES = ['/api/v1/agent/run', '/api/v1/agent/runs'];
const png = 'iVBORw0KGgo=';

/** Field rules of a run's body; every case names the dotted path of the offending field. */
const runFieldCases: BadInput[] = RUN_ROUTES.flatMap((path) =>
  (
    [
      ['no prompt and no skill', {}, 'prompt'],
      ['a blank prompt', { prompt: '   ' }, 'prompt'],
      ['a numeric prompt', { prompt: 42 }, 'prompt'],
      ['an object prompt', { prompt: { text: 'x' } }, 'prompt'],
      ['a string config', { prompt: 'p', config: 'fast' }, 'config'],
      ['a numeric config.model_id', { prompt: 'p', config: { model_id: 5 } }, 'config.model_id'],
      ['an empty config.model_id', { prompt: 'p', config: { model_id: '' } }, 'config.model_id'],
      ['an unknown config.harness.type', { prompt: 'p', config: { harness: { type: 'vim' } } }, 'config.harness.type'],
      ['a string config.harness', { prompt: 'p', config: { harness: 'oz' } }, 'config.harness'],
      ['config.idle_timeout_minutes 0', { prompt: 'p', config: { idle_timeout_minutes: 0 } }, 'config.idle_timeout_minutes'],
      ['config.idle_timeout_minutes 1.5', { prompt: 'p', config: { idle_timeout_minutes: 1.5 } }, 'config.idle_timeout_minutes'],
      ['a string config.idle_timeout_minutes', { prompt: 'p', config: { idle_timeout_minutes: '5' } }, 'config.idle_timeout_minutes'],
      ['a string config.computer_use_enabled', { prompt: 'p', config: { computer_use_enabled: 'yes' } }, 'config.computer_use_enabled'],
      ['an array config.mcp_servers', { prompt: 'p', config: { mcp_servers: [] } }, 'config.mcp_servers'],
      ['an empty MCP server', { prompt: 'p', config: { mcp_servers: { gh: {} } } }, 'config.mcp_servers'],
      ['an MCP server with two kinds', { prompt: 'p', config: { mcp_servers: { gh: { url: 'u', command: 'c' } } } }, 'config.mcp_servers'],
      ['numeric MCP args', { prompt: 'p', config: { mcp_servers: { gh: { command: 'c', args: [1] } } } }, 'config.mcp_servers'],
      ['a string images', { prompt: 'p', images: 'cat.png' }, 'images'],
      ['an unknown image mime_type', { prompt: 'p', images: [{ data: png, mime_type: 'image/tiff' }] }, 'images.0.mime_type'],
      ['image data that is not base64', { prompt: 'p', images: [{ data: 'not base64!', mime_type: 'image/png' }] }, 'images.0.data'],
      ['an image that is a string', { prompt: 'p', images: ['iVBORw0KGgo='] }, 'images.0'],
      ['six images', { prompt: 'p', images: Array(6).fill({ data: png, mime_type: 'image/png' }) }, 'images'],
      ['a string team', { prompt: 'p', team: 'yes' }, 'team'],
      ['a numeric title', { prompt: 'p', title: 5 }, 'title'],
      ['a title of 501 characters', { prompt: 'p', title: 'x'.repeat(501) }, 'title'],
      ['an array skill', { prompt: 'p', skill: ['a'] }, 'skill'],
      ['an object conversation_id', { prompt: 'p', conversation_id: {} }, 'conversation_id'],
    ] as const
  ).map(
    ([name, body, field]): BadInput => ({
      name: `POST ${path}: ${name}`,
      method: 'POST',
      path,
      body: JSON.stringify(body),
      status: 400,
      code: 'invalid_request',
      fields: [field],
    }),
  ),
);

const validEnvironment = { name: 'env', docker_image: 'ubuntu:22.04' };

const environmentFieldCases: BadInput[] = ['POST /api/v1/environments', 'PUT /api/v1/environments/:environment'].flatMap(
  (route) => {
    const [method, path] = route.split(' ') as [Method, string];
    return (
      [
        ['an empty object', {}, ['name', 'docker_image']],
        ['a numeric name', { ...validEnvironment, name: 5 }, ['name']],
        ['an empty name', { ...validEnvironment, name: '' }, ['name']],
        ['a blank name', { ...validEnvironment, name: '   ' }, ['name']],
        ['a name of 101 characters', { ...validEnvironment, name: 'x'.repeat(101) }, ['name']],
        ['a docker_image with a space', { ...validEnvironment, docker_image: 'ubuntu 22.04' }, ['docker_image']],
        ['a numeric docker_image', { ...validEnvironment, docker_image: 22 }, ['docker_image']],
        ['a numeric description', { ...validEnvironment, description: 5 }, ['description']],
        ['a string repos', { ...validEnvironment, repos: 'owner/repo' }, ['repos']],
        ['numeric repos', { ...validEnvironment, repos: [1] }, ['repos']],
        ['a repo with a line break', { ...validEnvironment, repos: ['a\nb'] }, ['repos']],
        ['a string setup_commands', { ...validEnvironment, setup_commands: 'make' }, ['setup_commands']],
        ['an empty setup command', { ...validEnvironment, setup_commands: [''] }, ['setup_commands']],
        ['an array env_vars', { ...validEnvironment, env_vars: [] }, ['env_vars']],
        ['an env var named 1BAD', { ...validEnvironment, env_vars: { '1BAD': 'x' } }, ['env_vars']],
        ['a numeric env var value', { ...validEnvironment, env_vars: { TOKEN: 1 } }, ['env_vars']],
        ['an env var value with a newline', { ...validEnvironment, env_vars: { TOKEN: 'a\nb' } }, ['env_vars']],
      ] as const
    ).map(
      ([name, body, fields]): BadInput => ({
        name: `${route}: ${name}`,
        method,
        path,
        body: JSON.stringify(body),
        status: 400,
        code: 'invalid_request',
        fields: [...fields],
      }),
    );
  },
);

const validSchedule = { name: 'nightly', cron_schedule: '0 3 * * *', prompt: 'p', enabled: true };

const scheduleFieldCases: BadInput[] = ['POST /api/v1/agent/schedules', 'PUT /api/v1/agent/schedules/:schedule'].flatMap(
  (route) => {
    const [method, path] = route.split(' ') as [Method, string];
    return (
      [
        ['an empty object', {}, ['name', 'cron_schedule', 'prompt']],
        ['a numeric name', { ...validSchedule, name: 1 }, ['name']],
        ['a blank prompt', { ...validSchedule, prompt: ' ' }, ['prompt']],
        ['a cron that is not one', { ...validSchedule, cron_schedule: 'every day' }, ['cron_schedule']],
        ['a numeric cron', { ...validSchedule, cron_schedule: 5 }, ['cron_schedule']],
        ['a six-field cron', { ...validSchedule, cron_schedule: '0 0 3 * * *' }, ['cron_schedule']],
        ['minute 61', { ...validSchedule, cron_schedule: '61 * * * *' }, ['cron_schedule']],
        ['a string enabled', { ...validSchedule, enabled: 'yes' }, ['enabled']],
        ['a numeric agent_config.model_id', { ...validSchedule, agent_config: { model_id: 5 } }, ['agent_config.model_id']],
        ['an unknown agent_config.harness.type', { ...validSchedule, agent_config: { harness: { type: 'x' } } }, ['agent_config.harness.type']],
        ['a string agent_config', { ...validSchedule, agent_config: 'x' }, ['agent_config']],
      ] as const
    ).map(
      ([name, body, fields]): BadInput => ({
        name: `${route}: ${name}`,
        method,
        path,
        body: JSON.stringify(body),
        status: 400,
        code: 'invalid_request',
        fields: [...fields],
      }),
    );
  },
);

const putScheduleWithoutEnabled: BadInput = {
  name: 'PUT /api/v1/agent/schedules/:schedule: no enabled (PUT replaces the schedule)',
  method: 'PUT',
  path: '/api/v1/agent/schedules/:schedule',
  body: JSON.stringify({ name: 'n', cron_schedule: '0 3 * * *', prompt: 'p' }),
  status: 400,
  code: 'invalid_request',
  fields: ['enabled'],
};

/** PostgreSQL text and jsonb cannot hold NUL: any string with one, anywhere, is a 400 naming where. */
const nulCases: BadInput[] = (
  [
    ['a run prompt', 'POST /api/v1/agent/run', { prompt: 'a\u0000b' }, 'prompt'],
    ['a nested run config field', 'POST /api/v1/agent/runs', { prompt: 'p', config: { model_id: 'm\u0000' } }, 'config.model_id'],
    ['an MCP env key', 'POST /api/v1/agent/run', { prompt: 'p', config: { mcp_servers: { s: { command: 'c', env: { 'K\u0000': 'v' } } } } }, 'config.mcp_servers.s.env.K\u0000'],
    ['an environment secret', 'POST /api/v1/environments', { ...validEnvironment, env_vars: { TOKEN: 'x\u0000' } }, 'env_vars.TOKEN'],
    ['a schedule agent_config', 'POST /api/v1/agent/schedules', { ...validSchedule, agent_config: { name: 'n\u0000' } }, 'agent_config.name'],
    ['a run config (unpaired surrogate)', 'POST /api/v1/agent/run', { prompt: 'p', config: { name: '\ud800' } }, 'config.name'],
    ['an environment repo (unpaired surrogate)', 'POST /api/v1/environments', { ...validEnvironment, repos: ['o/r\udc00'] }, 'repos.0'],
  ] as const
).map(([what, route, body, field]): BadInput => {
  const [method, path] = route.split(' ') as [Method, string];
  return { name: `unstorable text in ${what}`, method, path, body: JSON.stringify(body), status: 400, code: 'invalid_request', fields: [field], message: /NUL|surrogate/ };
});

const nulQueryCase: BadInput = {
  name: 'NUL in the q filter',
  method: 'GET',
  path: '/api/v1/agent/runs?q=a%00b',
  status: 400,
  code: 'invalid_request',
  fields: ['q'],
  message: /NUL/,
};

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** `GET /agent/runs` query parameters: each bad one is a 400 that names the parameter. */
const listQueryCases: BadInput[] = (
  [
    ['limit=abc', 'limit'],
    ['limit=0', 'limit'],
    ['limit=-1', 'limit'],
    ['limit=1.5', 'limit'],
    ['limit=1000', 'limit'],
    ['limit=1&limit=2', 'limit'],
    ['state=BOGUS', 'state'],
    ['state=QUEUED&state=BOGUS', 'state'],
    ['state=queued', 'state'],
    ['source=NOWHERE', 'source'],
    ['artifact_type=DIAGRAM', 'artifact_type'],
    ['created_after=yesterday', 'created_after'],
    ['created_before=2024-13-01T00:00:00Z', 'created_before'],
    ['updated_after=1700000000', 'updated_after'],
    ['schedule_id=not-a-uuid', 'schedule_id'],
    [`q=${'x'.repeat(201)}`, 'q'],
    [`cursor=${'x'.repeat(501)}`, 'cursor'],
  ] as const
)
  .map(
    ([query, field]): BadInput => ({
      name: `GET /api/v1/agent/runs?${query.slice(0, 40)}`,
      method: 'GET',
      path: `/api/v1/agent/runs?${query}`,
      status: 400,
      code: 'invalid_request',
      fields: [field],
      message: new RegExp(field),
    }),
  )
  .concat(
    (
      [
        ['garbage', '!!not-a-cursor!!'],
        ['base64 of text', b64('hello')],
        ['base64 of junk JSON', b64({ a: 1 })],
        ['base64 of a JSON array', b64([1, 2])],
        ['base64 of JSON null', b64('null')],
        ['a non-UUID id', b64({ t: '2024-01-01T00:00:00.000Z', id: 'run-1' })],
        ['an SQL-ish id', b64({ t: '2024-01-01T00:00:00.000Z', id: "1' OR '1'='1" })],
        ['a bad timestamp', b64({ t: 'yesterday', id: '3f0e2f44-8a4f-4bd7-9d0c-1a0a5a4f0b11' })],
        ['a numeric timestamp', b64({ t: 1700000000, id: '3f0e2f44-8a4f-4bd7-9d0c-1a0a5a4f0b11' })],
        // JavaScript parses this date; PostgreSQL cannot store it.
        ['a year PostgreSQL cannot hold', b64({ t: '-271821-04-20T00:00:00.000Z', id: '3f0e2f44-8a4f-4bd7-9d0c-1a0a5a4f0b11' })],
      ] as const
    ).map(
      ([name, cursor]): BadInput => ({
        name: `GET /api/v1/agent/runs with a cursor that is ${name}`,
        method: 'GET',
        path: `/api/v1/agent/runs?cursor=${encodeURIComponent(cursor)}`,
        status: 400,
        code: 'invalid_request',
        message: /cursor/,
      }),
    ),
  );

/** Ids in paths that are not ids: 404 (or 400 for a URL Fastify cannot decode), never a database error. */
const ID_ROUTES: [Method, string][] = [
  ['GET', '/api/v1/agent/runs/ID'],
  ['POST', '/api/v1/agent/runs/ID/cancel'],
  ['GET', '/api/v1/environments/ID'],
  ['PUT', '/api/v1/environments/ID'],
  ['DELETE', '/api/v1/environments/ID'],
  ['GET', '/api/v1/agent/schedules/ID'],
  ['PUT', '/api/v1/agent/schedules/ID'],
  ['DELETE', '/api/v1/agent/schedules/ID'],
  ['POST', '/api/v1/agent/schedules/ID/pause'],
  ['POST', '/api/v1/agent/schedules/ID/resume'],
];
const pathIdCases: BadInput[] = ID_ROUTES.flatMap(([method, route]) =>
  (
    [
      ['a non-UUID id', 'not-a-uuid', 404],
      ['an SQL-ish id', encodeURIComponent("1' OR '1'='1"), 404],
      ['a UUID that does not exist', '3f0e2f44-8a4f-4bd7-9d0c-1a0a5a4f0b11', 404],
      ['an id of 200 characters', 'a'.repeat(200), 404],
      ['an id with a NUL byte', 'abc%00def', 404],
    ] as const
  ).map(
    ([name, id, status]): BadInput => ({
      name: `${method} ${route.replace('ID', ':id')} with ${name}`,
      method,
      path: route.replace('ID', id),
      // PUT needs a valid body, or validation (400) would answer before the lookup.
      body: method === 'PUT' ? JSON.stringify(route.includes('schedules') ? validSchedule : validEnvironment) : undefined,
      status,
      code: 'resource_not_found',
    }),
  ),
);

const unknownRouteCases: BadInput[] = (
  [
    ['GET', '/api/v1/nope'],
    ['POST', '/api/v1/agent/nope'],
    ['GET', '/nope'],
    ['GET', '/api/v2/agent/runs'],
    ['DELETE', '/api/v1/agent/runs'],
    ['PUT', '/api/v1/agent/runs/3f0e2f44-8a4f-4bd7-9d0c-1a0a5a4f0b11'],
  ] as const
).map(([method, path]): BadInput => ({ name: `${method} ${path} (no such route)`, method, path, status: 404, code: 'resource_not_found' }));

describe('bad input', () => {
  let cp: ControlPlaneHarness;
  const ids = { run: '', environment: '', schedule: '' };

  beforeAll(async () => {
    cp = await startControlPlane({ OZ_MAX_BODY_BYTES: String(MAX_BODY_BYTES) });
    ids.run = (await cp.sdk().agent.run({ prompt: 'fixture' })).run_id;
    const environment = await cp.request('/api/v1/environments', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(validEnvironment),
    });
    ids.environment = (await environment.json()).id;
    ids.schedule = (await cp.sdk().agent.schedules.create(validSchedule)).id;
  });
  afterAll(() => cp.close());

  const send = (input: Pick<BadInput, 'method' | 'path' | 'body' | 'contentType'>, headers: Record<string, string> = {}) =>
    cp.request(input.path.replace(/:(run|environment|schedule)\b/g, (_, kind: keyof typeof ids) => ids[kind]), {
      method: input.method,
      body: input.body,
      headers: {
        ...(input.body !== undefined ? { 'content-type': input.contentType ?? 'application/json' } : {}),
        ...headers,
      },
    });

  describe.each([
    ['answers a body that is not a JSON object with 4xx', bodyShapeCases],
    ['names the offending field of a run body', runFieldCases],
    ['names the offending field of an environment body', environmentFieldCases],
    ['names the offending field of a schedule body', [...scheduleFieldCases, putScheduleWithoutEnabled]],
    ['names the offending run-list query parameter', listQueryCases],
    ['answers 404 for a path id that names nothing', pathIdCases],
    ['refuses NUL characters and unpaired surrogates anywhere in a body or query', [...nulCases, nulQueryCase]],
    ['answers 404 JSON for a route that does not exist', unknownRouteCases],
  ])('%s', (_, cases) => {
    it.each(cases.map((c) => [c.name, c]))('%s', async (_name, input) => {
      const response = await send(input);
      const body = await readErrorBody(response);

      expect({ status: response.status, code: body.code }).toEqual({ status: input.status, code: input.code });
      // The SDK would otherwise retry some of these (409s, for one) to the same answer.
      expect(response.headers.get('x-should-retry')).toBe('false');
      if (input.message) expect(body.message).toMatch(input.message);
      if (input.fields) {
        expect(body.errors?.map((e) => e.field)).toEqual(expect.arrayContaining(input.fields));
        // The summary repeats every field error, so a client showing only `message` still learns what is wrong.
        for (const error of body.errors ?? []) expect(body.message).toContain(error.message);
      }
    });
  });

  it('still accepts a valid body sent as application/json with a charset', async () => {
    const response = await send({
      method: 'POST',
      path: '/api/v1/agent/runs',
      body: JSON.stringify({ prompt: 'hello' }),
      contentType: 'application/json; charset=utf-8',
    });
    expect(response.status).toBe(201);
  });

  it('ignores query parameters it does not know', async () => {
    const response = await send({ method: 'GET', path: '/api/v1/agent/runs?limit=1&colour=blue' });
    expect(response.status).toBe(200);
    expect((await response.json()).runs).toHaveLength(1);
  });

  describe('POST actions without a body', () => {
    // The TypeScript SDK sends no Content-Type without a body; the Python SDK sends
    // Content-Type: application/json on every request, bodiless POSTs included.
    const bodiless: [string, Record<string, string>, string | undefined][] = [
      ['no body and no Content-Type', {}, undefined],
      ['Content-Type: application/json and an empty body', { 'content-type': 'application/json' }, ''],
      ['an empty JSON object', { 'content-type': 'application/json' }, '{}'],
    ];

    it.each(bodiless)('cancels a run with %s', async (_, headers, body) => {
      const run = await cp.sdk().agent.run({ prompt: 'to cancel' });
      const response = await cp.request(`/api/v1/agent/runs/${run.run_id}/cancel`, { method: 'POST', headers, body });
      expect(response.status).toBe(200);
      expect(await response.text()).toBe(run.run_id);
    });

    it.each(bodiless)('pauses and resumes a schedule with %s', async (_, headers, body) => {
      for (const action of ['pause', 'resume']) {
        const response = await cp.request(`/api/v1/agent/schedules/${ids.schedule}/${action}`, { method: 'POST', headers, body });
        expect(response.status).toBe(200);
        expect((await response.json()).enabled).toBe(action === 'resume');
      }
    });

    it('answers a second cancel of the same run with a 4xx JSON error', async () => {
      const run = await cp.sdk().agent.run({ prompt: 'cancel twice' });
      await cp.request(`/api/v1/agent/runs/${run.run_id}/cancel`, { method: 'POST' });
      const again = await cp.request(`/api/v1/agent/runs/${run.run_id}/cancel`, { method: 'POST' });
      expect(again.status).toBeGreaterThanOrEqual(400);
      expect(again.status).toBeLessThan(500);
      await readErrorBody(again);
    });
  });
});
