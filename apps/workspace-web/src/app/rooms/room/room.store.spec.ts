import { TestBed } from '@angular/core/testing';
import type { MessagePage, RoomView, TaskView } from '@oz/workspace-contract';
import { deferred, message, room, task } from '../../../testing/fixtures';
import { ApiError } from '../../core/api/api-error';
import type { EventStreamOptions, StreamStatus } from '../../core/events/event-stream';
import { EVENT_STREAMS, type LiveStream } from '../../core/events/event-stream.factory';
import { RoomsApi } from '../rooms.api';
import { RoomApi } from './room.api';
import { ROOM_HOOKS, ROOM_SOURCE, type RoomHooks, type RoomSource } from './room-source';
import { RoomStore } from './room.store';

/** A stream the test drives by hand: status changes and frames arrive when the test says. */
class ManualStream implements LiveStream {
  lastEventId: string | null = null;
  started = false;
  stopped = false;
  constructor(readonly options: EventStreamOptions) {}
  start(): void {
    this.started = true;
  }
  stop(): void {
    this.stopped = true;
  }
  reconnectNow(): void {
    // not needed here
  }
  status(status: StreamStatus, end?: 'unauthorized' | 'not-found'): void {
    this.options.onStatus?.(status, { attempt: 0, end });
  }
  /** Delivers a frame as EventStream does: the id becomes the position first. */
  emit(id: string, type: string, data: unknown): void {
    this.lastEventId = id;
    this.options.onEvent({ id, type, data: JSON.stringify(data) });
  }
}

function setup() {
  const streams: ManualStream[] = [];
  const source = {
    eventsUrl: jest.fn((id: string) => `/api/events?roomId=${id}`),
    room: jest.fn<Promise<RoomView>, [string]>(),
    messages: jest.fn<Promise<MessagePage>, [string, string | null, number]>(),
    tasks: jest.fn<Promise<TaskView[]>, [string]>(),
    artifacts: jest.fn().mockResolvedValue([]),
    roomView: jest.fn((data: RoomView) => data),
  } satisfies RoomSource;
  const hooks: jest.Mocked<RoomHooks> = { roomChanged: jest.fn(), roomDeleted: jest.fn(), notification: jest.fn(), sessionEnded: jest.fn() };
  const roomApi = { post: jest.fn(), updateTask: jest.fn(), createTask: jest.fn(), deleteTask: jest.fn(), cancelRun: jest.fn(), deleteArtifact: jest.fn() };
  const roomsApi = { update: jest.fn(), setPaused: jest.fn(), delete: jest.fn(), list: jest.fn().mockResolvedValue([]) };
  TestBed.configureTestingModule({
    providers: [
      RoomStore,
      { provide: ROOM_SOURCE, useValue: source },
      { provide: ROOM_HOOKS, useValue: hooks },
      { provide: RoomApi, useValue: roomApi },
      { provide: RoomsApi, useValue: roomsApi },
      {
        provide: EVENT_STREAMS,
        useValue: (options: EventStreamOptions) => {
          const stream = new ManualStream(options);
          streams.push(stream);
          return stream;
        },
      },
    ],
  });
  return { store: TestBed.inject(RoomStore), source, hooks, roomApi, roomsApi, streams };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

/** Opens room r1 with the given history and board, the stream live. */
async function opened(history = [message()], tasks: TaskView[] = []) {
  const ctx = setup();
  ctx.source.room.mockResolvedValue(room());
  ctx.source.messages.mockResolvedValue({ items: history, next_cursor: null });
  ctx.source.tasks.mockResolvedValue(tasks);
  ctx.store.open('r1');
  const stream = ctx.streams[0];
  stream.emit('100-0', 'heartbeat', {});
  stream.status('live');
  await flush();
  await flush();
  return { ...ctx, stream };
}

describe('RoomStore', () => {
  afterEach(() => TestBed.resetTestingModule());

  it('subscribes first and loads once the stream is live, holding back events that arrive during the load', async () => {
    const ctx = setup();
    const roomLoad = deferred<RoomView>();
    ctx.source.room.mockReturnValue(roomLoad.promise);
    ctx.source.messages.mockResolvedValue({ items: [message({ id: 'm1' })], next_cursor: 'c1' });
    ctx.source.tasks.mockResolvedValue([]);
    ctx.store.open('r1');
    const stream = ctx.streams[0];
    expect(stream.started).toBe(true);
    expect(ctx.source.room).not.toHaveBeenCalled();

    stream.emit('100-0', 'heartbeat', {});
    stream.status('live');
    expect(ctx.source.room).toHaveBeenCalledWith('r1');
    // An event during the load: held back, not lost.
    stream.emit('101-0', 'message', message({ id: 'm2', content: 'during the load' }));
    expect(ctx.store.messages()).toEqual([]);

    roomLoad.resolve(room());
    await flush();
    await flush();
    expect(ctx.store.status()).toBe('ready');
    expect(ctx.store.messages().map((m) => m.id)).toEqual(['m1', 'm2']);
    expect(ctx.store.hasOlder()).toBe(true);
  });

  it('applies each event once, in order: duplicates and out-of-order events are ignored', async () => {
    const { store, stream } = await opened([]);
    stream.emit('101-0', 'message', message({ id: 'm1', content: 'first' }));
    stream.emit('102-0', 'message', message({ id: 'm1', content: 'edited' }));
    stream.emit('102-0', 'message', message({ id: 'm1', content: 'duplicate of 102' }));
    stream.emit('101-5', 'message', message({ id: 'm1', content: 'straggler from before 102' }));
    stream.emit('99-0', 'message', message({ id: 'm9', content: 'older than the load' }));
    expect(store.messages()).toEqual([expect.objectContaining({ id: 'm1', content: 'edited' })]);
  });

  it('streams an agent reply from message_delta events, and a replayed delta changes nothing', async () => {
    const { store, stream } = await opened([]);
    const reply = message({ id: 'r', author_type: 'agent', status: 'streaming', content: '', run_id: 'run1', agent: { id: 'a1', name: 'Rex', color: '#000000', icon: 'robot' } });
    stream.emit('101-0', 'message', reply);
    stream.emit('102-0', 'message_delta', { message_id: 'r', run_id: 'run1', offset: 0, delta: 'Hel' });
    expect(store.messages()[0].content).toBe('Hel');
    expect(store.streamingReplies().map((m) => m.id)).toEqual(['r']);
    stream.emit('103-0', 'message_delta', { message_id: 'r', run_id: 'run1', offset: 3, delta: 'lo!' });
    expect(store.messages()[0].content).toBe('Hello!');
    stream.emit('104-0', 'message', { ...reply, content: 'Hello!', status: 'complete' });
    expect(store.messages()[0]).toEqual(expect.objectContaining({ content: 'Hello!', status: 'complete' }));
    expect(store.streamingReplies()).toEqual([]);
  });

  it('reloads the room on a resync event and applies what follows after the reload', async () => {
    const { store, source, stream } = await opened([message({ id: 'm1' })]);
    source.messages.mockResolvedValue({ items: [message({ id: 'm1' }), message({ id: 'm2', content: 'missed while away' })], next_cursor: null });
    stream.emit('150-0', 'resync', {});
    stream.emit('151-0', 'message', message({ id: 'm3', content: 'after the gap' }));
    await flush();
    await flush();
    expect(source.room).toHaveBeenCalledTimes(2);
    expect(store.messages().map((m) => m.id)).toEqual(['m1', 'm2', 'm3']);
  });

  it('moves a card at once and puts it back, keeping other people\'s changes, when the server refuses', async () => {
    const a = task({ id: 'a', title: 'A', position: 0 });
    const b = task({ id: 'b', title: 'B', position: 1 });
    const { store, roomApi, stream } = await opened([], [a, b]);
    const request = deferred<TaskView>();
    roomApi.updateTask.mockReturnValue(request.promise);

    const move = store.moveTask(a, 'in_progress', 0);
    expect(roomApi.updateTask).toHaveBeenCalledWith('a', { status: 'in_progress', position: 0 });
    expect(store.columns().find((c) => c.status === 'in_progress')!.tasks.map((t) => t.id)).toEqual(['a']);
    expect(store.columns().find((c) => c.status === 'backlog')!.tasks.map((t) => ({ id: t.id, position: t.position }))).toEqual([{ id: 'b', position: 0 }]);

    // Meanwhile someone else adds a card (live event): it must survive the rollback.
    stream.emit('101-0', 'task', { action: 'created', task: task({ id: 'c', title: 'C', status: 'done', position: 0 }) });
    request.reject(new ApiError(400, 'bad_request', 'assignee_id must be an agent of this room'));
    await expect(move).rejects.toThrow('assignee_id must be an agent of this room');

    const columns = Object.fromEntries(store.columns().map((c) => [c.status, c.tasks.map((t) => t.id)]));
    expect(columns).toEqual({ backlog: ['a', 'b'], in_progress: [], done: ['c'] });
  });

  it('sends "last in the column" as the column\'s length, never an unbounded position', async () => {
    const a = task({ id: 'a', position: 0 });
    const { store, roomApi } = await opened([], [a, task({ id: 'x', status: 'done', position: 0 }), task({ id: 'y', status: 'done', position: 1 })]);
    roomApi.updateTask.mockResolvedValue({ ...a, status: 'done', position: 2 });
    await store.moveTask(a, 'done', Number.MAX_SAFE_INTEGER);
    expect(roomApi.updateTask).toHaveBeenCalledWith('a', { status: 'done', position: 2 });
  });

  it('keeps a confirmed move and applies the server\'s own task event for it without duplicating the card', async () => {
    const a = task({ id: 'a', position: 0 });
    const { store, roomApi, stream } = await opened([], [a]);
    const saved = { ...a, status: 'done' as const, position: 0, updated_at: '2026-01-02T00:00:00.000Z' };
    roomApi.updateTask.mockResolvedValue(saved);
    await store.moveTask(a, 'done', 0);
    stream.emit('101-0', 'task', { action: 'updated', task: saved });
    expect(store.tasks()).toEqual([saved]);
  });

  it('shows a sent message at once and removes it again, with the error, when sending fails', async () => {
    const { store, roomApi } = await opened([message({ id: 'm1' })]);
    const request = deferred<never>();
    roomApi.post.mockReturnValue(request.promise);
    const sending = store.send('@Rex hi');
    expect(store.messages().map((m) => m.content)).toEqual(['hello', '@Rex hi']);
    expect(store.isLocal(store.messages()[1])).toBe(true);
    request.reject(new ApiError(0, 'network_error', 'Could not reach the server.'));
    await expect(sending).rejects.toThrow('Could not reach the server.');
    expect(store.messages().map((m) => m.content)).toEqual(['hello']);
  });

  it('replaces the sending message by the saved one, even when its event came first', async () => {
    const { store, roomApi, stream } = await opened([]);
    const saved = message({ id: 'm7', content: 'hi' });
    const request = deferred<{ message: typeof saved; runs: []; paused: boolean }>();
    roomApi.post.mockReturnValue(request.promise);
    const sending = store.send('hi');
    stream.emit('101-0', 'message', saved);
    request.resolve({ message: saved, runs: [], paused: false });
    await sending;
    expect(store.messages()).toEqual([saved]);
  });

  it('tells the hooks about room changes and notifications, and closes on deletion', async () => {
    const { store, hooks, stream } = await opened();
    const paused = room({ paused: true, agents: [{ ...room().agents[0], status: 'running' }] });
    stream.emit('101-0', 'room', paused);
    expect(store.room()).toEqual(paused);
    expect(store.replyingAgents().map((a) => a.name)).toEqual(['Rex']);
    expect(hooks.roomChanged).toHaveBeenLastCalledWith(paused);
    stream.emit('102-0', 'notification', { id: 'n1' });
    expect(hooks.notification).toHaveBeenCalledWith({ id: 'n1' });
    stream.emit('103-0', 'room', { id: 'r1', deleted: true });
    expect(store.status()).toBe('deleted');
    expect(hooks.roomDeleted).toHaveBeenCalledWith('r1');
    expect(stream.stopped).toBe(true);
  });

  it('says the room does not exist when the stream answers 404, and ends the session on 401', async () => {
    const a = setup();
    a.store.open('r404');
    a.streams[0].status('closed', 'not-found');
    expect(a.store.status()).toBe('not-found');
    TestBed.resetTestingModule();
    const b = setup();
    b.store.open('r1');
    b.streams[0].status('closed', 'unauthorized');
    expect(b.hooks.sessionEnded).toHaveBeenCalled();
  });

  it('pauses at once and rolls back if refused', async () => {
    const { store, roomsApi } = await opened();
    const request = deferred<RoomView>();
    roomsApi.setPaused.mockReturnValue(request.promise);
    const pausing = store.setPaused(true);
    expect(store.room()!.paused).toBe(true);
    request.reject(new ApiError(500, 'internal', 'boom'));
    await expect(pausing).rejects.toThrow('boom');
    expect(store.room()!.paused).toBe(false);
  });

  it('prepends older pages of history without duplicates', async () => {
    const ctx = setup();
    ctx.source.room.mockResolvedValue(room());
    ctx.source.messages.mockResolvedValueOnce({ items: [message({ id: 'm3' }), message({ id: 'm4' })], next_cursor: '3' });
    ctx.source.tasks.mockResolvedValue([]);
    ctx.store.open('r1');
    ctx.streams[0].emit('1-0', 'heartbeat', {});
    ctx.streams[0].status('live');
    await flush();
    await flush();
    ctx.source.messages.mockResolvedValueOnce({ items: [message({ id: 'm1' }), message({ id: 'm2' }), message({ id: 'm3' })], next_cursor: null });
    await ctx.store.loadOlder();
    expect(ctx.source.messages).toHaveBeenLastCalledWith('r1', '3', 50);
    expect(ctx.store.messages().map((m) => m.id)).toEqual(['m1', 'm2', 'm3', 'm4']);
    expect(ctx.store.hasOlder()).toBe(false);
  });
});
