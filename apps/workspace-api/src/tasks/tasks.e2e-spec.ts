import { randomUUID } from 'node:crypto';
import { SseClient } from '../testing/sse-client';
import { closeAll, startWorkspace, TEST_REDIS_URL, type ApiResponse, type UserClient, type WorkspaceHarness } from '../testing/workspace-harness';
import { expectError, watch } from '../testing/api-expectations';

/**
 * A room's board over HTTP on real PostgreSQL and Redis: tasks created at the end of their column,
 * edited, moved within and across columns (positions always 0..n-1 per column, under concurrent moves
 * too), deleted; every bad input a clear 4xx; every change a `task` event.
 */

interface Task {
  id: string;
  title: string;
  status: string;
  position: number;
  [key: string]: unknown;
}

/** Field rules of create and update: [what, body (merged into a valid one), field, message]. */
const FIELD_CASES: [string, Record<string, unknown>, string, RegExp][] = [
  ['an empty title', { title: '' }, 'title', /title must not be empty/],
  ['a blank title', { title: '   ' }, 'title', /title must not be empty/],
  ['a numeric title', { title: 3 }, 'title', /title/],
  ['a title of 301 characters', { title: 't'.repeat(301) }, 'title', /title must be shorter than or equal to 300 characters/],
  ['a numeric description', { description: 3 }, 'description', /description must be a string/],
  ['a description of 20001 characters', { description: 'd'.repeat(20_001) }, 'description', /description must be shorter than or equal to 20000/],
  ['an unknown status', { status: 'todo' }, 'status', /status must be one of: backlog, in_progress, done/],
  ['a status in capitals', { status: 'DONE' }, 'status', /status must be one of: backlog, in_progress, done/],
  ['a numeric status', { status: 1 }, 'status', /status must be one of/],
  ['an unknown priority', { priority: 'urgent' }, 'priority', /priority must be one of: low, medium, high/],
  ['an array priority', { priority: ['high'] }, 'priority', /priority must be one of/],
  ['an assignee_id that is a name', { assignee_id: 'Rex' }, 'assignee_id', /assignee_id must be an agent id/],
  ['a numeric assignee_id', { assignee_id: 5 }, 'assignee_id', /assignee_id must be an agent id/],
  ['a NUL in the title', { title: 'a\u0000' }, 'title', /title must not contain NUL characters/],
  ['a NUL in the description', { description: 'line\u0000' }, 'description', /description must not contain NUL/],
];

const POSITION_CASES: [string, Record<string, unknown>, string, RegExp][] = [
  ['a negative position', { position: -1 }, 'position', /position must not be less than 0/],
  ['a fractional position', { position: 1.5 }, 'position', /position must be a whole number/],
  ['a string position', { position: '2' }, 'position', /position must be a whole number/],
  ['a boolean position', { position: true }, 'position', /position must be a whole number/],
  ['a position of 100001', { position: 100_001 }, 'position', /position must not be greater than 100000/],
];

const SHAPE_CASES: [string, string, string, RegExp][] = [
  ['malformed JSON', '{bad', 'malformed_json', /not valid JSON/],
  ['a JSON array', '[{"title":"t"}]', 'invalid_request', /body must be a JSON object/],
  ['a JSON string', '"t"', 'invalid_request', /body must be a JSON object/],
];

const BAD_IDS: [string, string][] = [
  ['an id that does not exist', randomUUID()],
  ['an id that is not a UUID', 'nope'],
];

/** A small seeded generator, so a failing concurrent schedule can be replayed. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('tasks API', () => {
  let ws: WorkspaceHarness;
  let alice: UserClient;
  let bob: UserClient;
  let rex: { id: string; name: string };
  let outsider: { id: string };
  let room: { id: string };
  let sse: SseClient;

  beforeAll(async () => {
    ws = await startWorkspace({ REDIS_URL: TEST_REDIS_URL });
    [alice, bob] = await Promise.all([ws.signup('alice'), ws.signup('bob')]);
    rex = (await alice.request('POST', '/api/agents', { name: 'Rex', color: '#AA0000', icon: 'bug' })).body;
    outsider = (await alice.request('POST', '/api/agents', { name: 'Outsider' })).body;
    room = (await alice.request('POST', '/api/rooms', { name: 'board', agent_ids: [rex.id] })).body;
    sse = await SseClient.open(`${ws.origin}/api/events?roomId=${room.id}`, { session: alice.session });
    expect(sse.status).toBe(200);
  });
  afterAll(async () => {
    sse?.close();
    await closeAll([ws], ws?.database);
  });

  const newRoom = async (name: string) => (await alice.request('POST', '/api/rooms', { name, agent_ids: [rex.id] })).body as { id: string };
  const create = async (roomId: string, body: Record<string, unknown>): Promise<Task> => {
    const response = await alice.request('POST', `/api/rooms/${roomId}/tasks`, body);
    expect(response.status).toBe(201);
    return response.body;
  };
  const move = async (id: string, body: Record<string, unknown>): Promise<Task> => {
    const response = await alice.request('PATCH', `/api/tasks/${id}`, body);
    expect(response.status).toBe(200);
    return response.body;
  };
  /** Titles per column, in position order, checking positions are exactly 0..n-1 in each. */
  const board = async (roomId: string): Promise<Record<string, string[]>> => {
    const response = await alice.request('GET', `/api/rooms/${roomId}/tasks`);
    expect(response.status).toBe(200);
    const columns: Record<string, Task[]> = {};
    for (const task of response.body.items as Task[]) (columns[task.status] ??= []).push(task);
    const titles: Record<string, string[]> = {};
    for (const [status, tasks] of Object.entries(columns)) {
      expect({ status, positions: tasks.map((t) => t.position) }).toEqual({ status, positions: tasks.map((_, i) => i) });
      titles[status] = tasks.map((t) => t.title);
    }
    return titles;
  };

  describe('create and list', () => {
    it('creates a task with the defaults at the end of the backlog, and sends the created event', async () => {
      const target = await newRoom('defaults');
      const first = await create(target.id, { title: '  First  ' });
      expect(first).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        room_id: target.id,
        title: 'First',
        description: '',
        status: 'backlog',
        priority: 'medium',
        position: 0,
        assignee: null,
        created_by_agent: null,
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });
      expect((await create(target.id, { title: 'Second' })).position).toBe(1);
      expect((await create(target.id, { title: 'Done one', status: 'done' })).position).toBe(0);

      const next = watch(sse);
      const created = await create(room.id, { title: 'Evented', description: 'With details', status: 'in_progress', priority: 'high', assignee_id: rex.id });
      expect(created).toMatchObject({ status: 'in_progress', priority: 'high', description: 'With details', assignee: { id: rex.id, name: 'Rex', color: '#AA0000', icon: 'bug' } });
      expect((await next('task', (d) => d.action === 'created' && d.task.id === created.id)).data).toEqual({ action: 'created', task: created });
      await alice.request('DELETE', `/api/tasks/${created.id}`);
    });

    it('lists the board by column and position', async () => {
      const target = await newRoom('list');
      await create(target.id, { title: 'b0' });
      await create(target.id, { title: 'd0', status: 'done' });
      await create(target.id, { title: 'b1' });
      await create(target.id, { title: 'i0', status: 'in_progress' });
      expect(await board(target.id)).toEqual({ backlog: ['b0', 'b1'], in_progress: ['i0'], done: ['d0'] });
    });

    it('accepts an explicit null assignee', async () => {
      expect((await create(room.id, { title: 'unassigned', assignee_id: null }))['assignee']).toBeNull();
    });

    it.each(FIELD_CASES.concat([['no title', { title: undefined }, 'title', /title is required/]]))(
      'refuses %s with a 400 naming the field',
      async (_what, fields, field, message) => {
        expectError(await alice.request('POST', `/api/rooms/${room.id}/tasks`, { title: 'ok', ...fields }), 400, 'invalid_request', message, field);
      },
    );

    it.each(SHAPE_CASES)('refuses a body that is %s', async (_what, raw, code, message) => {
      expectError(await ws.request('POST', `/api/rooms/${room.id}/tasks`, { body: raw, session: alice.session }), 400, code, message);
    });

    it.each([
      ['an agent of the user that is not in the room', () => outsider.id],
      ['an agent that does not exist', () => BAD_IDS[0][1]],
    ])('refuses assigning %s with a 400 naming assignee_id', async (_what, id) => {
      const response = await alice.request('POST', `/api/rooms/${room.id}/tasks`, { title: 't', assignee_id: id() });
      expectError(response, 400, 'invalid_request', new RegExp(`assignee_id must be an agent of this room \\(${id()} is not\\)`), 'assignee_id');
    });

    it.each(BAD_IDS)('answers 404 for a room with %s', async (_what, id) => {
      expectError(await alice.request('POST', `/api/rooms/${id}/tasks`, { title: 't' }), 404, 'resource_not_found', new RegExp(`Room ${id} not found`));
      expectError(await alice.request('GET', `/api/rooms/${id}/tasks`), 404, 'resource_not_found', new RegExp(`Room ${id} not found`));
    });

    it("answers 404 for another user's room and tasks, and changes nothing", async () => {
      const task = await create(room.id, { title: 'private' });
      expectError(await bob.request('GET', `/api/rooms/${room.id}/tasks`), 404, 'resource_not_found', /Room .* not found/);
      expectError(await bob.request('POST', `/api/rooms/${room.id}/tasks`, { title: 'x' }), 404, 'resource_not_found', /Room .* not found/);
      expectError(await bob.request('PATCH', `/api/tasks/${task.id}`, { title: 'mine' }), 404, 'resource_not_found', new RegExp(`Task ${task.id} not found`));
      expectError(await bob.request('DELETE', `/api/tasks/${task.id}`), 404, 'resource_not_found', new RegExp(`Task ${task.id} not found`));
      const items = (await alice.request('GET', `/api/rooms/${room.id}/tasks`)).body.items as Task[];
      expect(items.find((t) => t.id === task.id)?.title).toBe('private');
    });
  });

  describe('update', () => {
    let task: Task;
    beforeAll(async () => {
      task = await create(room.id, { title: 'Editable', priority: 'low' });
    });

    it('edits fields, leaving the others and its place, and sends the updated event', async () => {
      const next = watch(sse);
      const updated = await move(task.id, { title: ' Edited ', description: 'More', priority: 'high', assignee_id: rex.id });
      expect(updated).toEqual({
        ...task,
        title: 'Edited',
        description: 'More',
        priority: 'high',
        assignee: { id: rex.id, name: 'Rex', color: '#AA0000', icon: 'bug' },
        updated_at: expect.any(String),
      });
      expect((await next('task', (d) => d.action === 'updated' && d.task.id === task.id)).data).toEqual({ action: 'updated', task: updated });

      const unassigned = await move(task.id, { assignee_id: null });
      expect(unassigned).toMatchObject({ title: 'Edited', assignee: null, priority: 'high', position: task.position, status: task.status });
    });

    it.each([...FIELD_CASES, ...POSITION_CASES])('refuses %s with a 400 naming the field', async (_what, fields, field, message) => {
      expectError(await alice.request('PATCH', `/api/tasks/${task.id}`, fields), 400, 'invalid_request', message, field);
    });

    it.each(SHAPE_CASES)('refuses a body that is %s', async (_what, raw, code, message) => {
      expectError(await ws.request('PATCH', `/api/tasks/${task.id}`, { body: raw, session: alice.session }), 400, code, message);
    });

    it('refuses an assignee that is not in the room with a 400 naming assignee_id', async () => {
      expectError(await alice.request('PATCH', `/api/tasks/${task.id}`, { assignee_id: outsider.id }), 400, 'invalid_request', /assignee_id must be an agent of this room \(.* is not\)/, 'assignee_id');
    });

    it('left the task as it was after the refusals', async () => {
      const items = (await alice.request('GET', `/api/rooms/${room.id}/tasks`)).body.items as Task[];
      expect(items.find((t) => t.id === task.id)).toMatchObject({ title: 'Edited', description: 'More', status: 'backlog', priority: 'high', assignee: null });
    });

    it.each(BAD_IDS)('answers 404 for %s', async (_what, id) => {
      expectError(await alice.request('PATCH', `/api/tasks/${id}`, { title: 'x' }), 404, 'resource_not_found', new RegExp(`Task ${id} not found`));
    });
  });

  describe('moves', () => {
    it('moves a card within its column, renumbering the others', async () => {
      const target = await newRoom('within');
      const [a, b, c, d] = [await create(target.id, { title: 'a' }), await create(target.id, { title: 'b' }), await create(target.id, { title: 'c' }), await create(target.id, { title: 'd' })];
      expect(b.position).toBe(1);

      expect((await move(d.id, { position: 0 })).position).toBe(0);
      expect(await board(target.id)).toEqual({ backlog: ['d', 'a', 'b', 'c'] });

      expect((await move(d.id, { position: 2 })).position).toBe(2);
      expect(await board(target.id)).toEqual({ backlog: ['a', 'b', 'd', 'c'] });

      await move(a.id, { position: 3 });
      expect(await board(target.id)).toEqual({ backlog: ['b', 'd', 'c', 'a'] });

      // Past the end means last; its current place is a no-op.
      expect((await move(b.id, { position: 100_000 })).position).toBe(3);
      await move(c.id, { position: 1 });
      expect(await board(target.id)).toEqual({ backlog: ['d', 'c', 'a', 'b'] });
    });

    it('moves a card across columns: to a given place, or to the end; the old column closes the gap', async () => {
      const target = await newRoom('across');
      const [a, b, c] = [await create(target.id, { title: 'a' }), await create(target.id, { title: 'b' }), await create(target.id, { title: 'c' })];
      const x = await create(target.id, { title: 'x', status: 'in_progress' });
      const y = await create(target.id, { title: 'y', status: 'in_progress' });

      const moved = await move(b.id, { status: 'in_progress', position: 1 });
      expect(moved).toMatchObject({ status: 'in_progress', position: 1 });
      expect(await board(target.id)).toEqual({ backlog: ['a', 'c'], in_progress: ['x', 'b', 'y'] });

      expect(await move(a.id, { status: 'in_progress' })).toMatchObject({ status: 'in_progress', position: 3 });
      expect(await board(target.id)).toEqual({ backlog: ['c'], in_progress: ['x', 'b', 'y', 'a'] });

      expect(await move(x.id, { status: 'done', position: 50 })).toMatchObject({ status: 'done', position: 0 });
      await move(c.id, { status: 'done', position: 0 });
      expect(await board(target.id)).toEqual({ in_progress: ['b', 'y', 'a'], done: ['c', 'x'] });

      // Moving to the column it is already in, without a position, leaves it where it is.
      expect((await move(y.id, { status: 'in_progress' })).position).toBe(1);
      expect(await board(target.id)).toEqual({ in_progress: ['b', 'y', 'a'], done: ['c', 'x'] });
    });

    it('deletes a task: 204, the deleted event, and the column closes the gap', async () => {
      const target = await newRoom('delete');
      const a = await create(target.id, { title: 'a' });
      const b = await create(target.id, { title: 'b' });
      await create(target.id, { title: 'c' });

      const next = watch(sse);
      const evented = await create(room.id, { title: 'to delete' });
      const response = await alice.request('DELETE', `/api/tasks/${evented.id}`);
      expect(response.status).toBe(204);
      expect((await next('task', (d) => d.task_id === evented.id)).data).toEqual({ action: 'deleted', task_id: evented.id });

      expect((await alice.request('DELETE', `/api/tasks/${b.id}`)).status).toBe(204);
      expect(await board(target.id)).toEqual({ backlog: ['a', 'c'] });
      expectError(await alice.request('DELETE', `/api/tasks/${b.id}`), 404, 'resource_not_found', new RegExp(`Task ${b.id} not found`));
      expectError(await alice.request('PATCH', `/api/tasks/${b.id}`, { title: 'back' }), 404, 'resource_not_found', new RegExp(`Task ${b.id} not found`));
      expect((await create(target.id, { title: 'd' })).position).toBe(2);
      expect((await move(a.id, { position: 5 })).position).toBe(2);
    });

    it.each(BAD_IDS)('delete answers 404 for %s', async (_what, id) => {
      expectError(await alice.request('DELETE', `/api/tasks/${id}`), 404, 'resource_not_found', new RegExp(`Task ${id} not found`));
    });

    describe('under concurrency', () => {
      const statuses = ['backlog', 'in_progress', 'done'] as const;

      /** A room with `count` tasks t0… spread over the three columns. */
      const seed = async (name: string, count: number) => {
        const target = await newRoom(name);
        const tasks: Task[] = [];
        for (let i = 0; i < count; i++) tasks.push(await create(target.id, { title: `t${i}`, status: statuses[i % 3] }));
        return { target, tasks };
      };
      /** Every write answered without a server error; the board is compact and holds exactly `titles`. */
      const expectSettled = async (responses: ApiResponse[], roomId: string, titles: string[]) => {
        expect(responses.map((r) => r.status).filter((status) => status >= 500)).toEqual([]);
        const all = Object.values(await board(roomId)).flat();
        expect(all.sort()).toEqual([...titles].sort());
      };

      it('keeps every column at 0..n-1 without duplicates under concurrent moves of different cards', async () => {
        const { target, tasks } = await seed('concurrent-moves', 12);
        const random = seeded(42);
        const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
        for (let round = 0; round < 3; round++) {
          const responses = await Promise.all(
            tasks.map((task) => {
              const body = random() < 0.6 ? { status: pick(statuses), position: Math.floor(random() * 6) } : { position: Math.floor(random() * 6) };
              return alice.request('PATCH', `/api/tasks/${task.id}`, body);
            }),
          );
          expect(responses.map((r) => r.status)).toEqual(tasks.map(() => 200));
          await expectSettled(responses, target.id, tasks.map((t) => t.title));
        }
      });

      it('keeps every column at 0..n-1 when the same card is moved concurrently to several columns', async () => {
        const { target, tasks } = await seed('concurrent-same-card', 9);
        for (let round = 0; round < 3; round++) {
          const responses = await Promise.all(statuses.flatMap((status) => [0, 1].map((position) => alice.request('PATCH', `/api/tasks/${tasks[round].id}`, { status, position }))));
          expect(responses.map((r) => r.status)).toEqual(responses.map(() => 200));
          await expectSettled(responses, target.id, tasks.map((t) => t.title));
        }
      });

      it('keeps every column at 0..n-1, and answers no 5xx, when deletes race creates and moves', async () => {
        const target = await newRoom('concurrent-deletes');
        const alive: Task[] = [];
        for (let i = 0; i < 8; i++) alive.push(await create(target.id, { title: `t${i}` }));
        for (let round = 0; round < 4; round++) {
          const doomed = alive.splice(round % 2, 2);
          const responses = await Promise.all([
            ...doomed.map((task) => alice.request('DELETE', `/api/tasks/${task.id}`)),
            ...alive.slice(-2).map((task) => alice.request('PATCH', `/api/tasks/${task.id}`, { position: 0 })),
            ...[0, 1].map((i) => alice.request('POST', `/api/rooms/${target.id}/tasks`, { title: `new${round}.${i}` })),
          ]);
          for (const response of responses.slice(-2)) if (response.status === 201) alive.push(response.body);
          await expectSettled(responses, target.id, alive.map((t) => t.title));
        }
      });
    });
  });
});
