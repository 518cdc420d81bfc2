import { queryOnce } from '@oz/testing';
import { randomUUID } from 'node:crypto';
import { closeAll, startWorkspace, type UserClient, type WorkspaceHarness } from '../testing/workspace-harness';

/** A room's agent runs, a page at a time (`GET /api/rooms/:id/runs?before=&limit=`), on real PostgreSQL. */
describe('a room\'s agent runs, paged', () => {
  let ws: WorkspaceHarness;
  let owner: UserClient;
  let other: UserClient;
  let roomId: string;
  const ids: string[] = [];

  beforeAll(async () => {
    ws = await startWorkspace();
    [owner, other] = [await ws.signup('Pia'), await ws.signup('Otto')];
    const agent = (await owner.request('POST', '/api/agents', { name: 'Rex', harness: 'custom' })).body;
    roomId = (await owner.request('POST', '/api/rooms', { name: 'busy', agent_ids: [agent.id] })).body.id;
    // 120 finished runs, written straight to the table; several share a created_at, so ties need the id.
    for (let i = 0; i < 120; i++) {
      const id = randomUUID();
      ids.push(id);
      await queryOnce(
        ws.database.url,
        `INSERT INTO workspace.agent_runs (id, room_id, agent_id, user_id, depth, reply_message_id, state, mode, created_at)
         VALUES ($1, $2, $3, $4, 0, $5, 'SUCCEEDED', 'local', timestamptz '2026-01-01T00:00:00Z' + ($6::int / 3) * interval '1 second')`,
        [id, roomId, agent.id, owner.id, randomUUID(), i],
      );
    }
  });

  afterAll(() => closeAll([ws], ws?.database));

  it('gives every run once, newest first, in pages of `limit`, then a null cursor', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `?limit=50&before=${encodeURIComponent(cursor)}` : '?limit=50';
      const page = (await owner.request('GET', `/api/rooms/${roomId}/runs${query}`)).body;
      seen.push(...page.items.map((run: { id: string }) => run.id));
      cursor = page.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(120);
    expect(new Set(seen).size).toBe(120);
    const rows = await queryOnce<{ id: string }>(ws.database.url, `SELECT id FROM workspace.agent_runs ORDER BY created_at DESC, id DESC`);
    expect(seen).toEqual(rows.map((row) => row.id));
  });

  it('answers 50 by default, and refuses a made-up cursor', async () => {
    expect((await owner.request('GET', `/api/rooms/${roomId}/runs`)).body.items).toHaveLength(50);
    expect((await owner.request('GET', `/api/rooms/${roomId}/runs?before=42`)).status).toBe(400);
  });

  it('shows another user nothing of the room, cursor or not', async () => {
    const first = (await owner.request('GET', `/api/rooms/${roomId}/runs?limit=5`)).body;
    expect((await other.request('GET', `/api/rooms/${roomId}/runs`)).status).toBe(404);
    expect((await other.request('GET', `/api/rooms/${roomId}/runs?before=${encodeURIComponent(first.next_cursor)}`)).status).toBe(404);
  });
});
