import { DestroyRef, Injectable, computed, inject, signal } from '@angular/core';
import type {
  AgentSummary,
  ArtifactView,
  MessageDeltaEvent,
  MessageView,
  RoomEventData,
  RoomUpdate,
  RoomView,
  TaskInput,
  TaskStatus,
  TaskUpdate,
  TaskView,
} from '@oz/workspace-contract';
import { RESYNC_EVENT } from '@oz/workspace-contract';
import { ApiError, errorMessage } from '../../core/api/api-error';
import { EventCursor } from '../../core/events/event-cursor';
import type { StreamStatus } from '../../core/events/event-stream';
import { EVENT_STREAMS, type LiveStream } from '../../core/events/event-stream.factory';
import type { SseFrame } from '../../core/events/sse-parser';
import { OptimisticState } from '../../core/state/optimistic';
import { RoomsApi } from '../rooms.api';
import { RoomsStore } from '../rooms.store';
import { columnsOf, placeTask, removeTask } from './board';
import { applyDelta, prependPage, upsertMessage } from './messages';
import { MESSAGE_PAGE_SIZE, RoomApi } from './room.api';
import { ROOM_HOOKS, ROOM_SOURCE } from './room-source';

export type RoomStatus = 'loading' | 'ready' | 'not-found' | 'deleted' | 'error';

interface History {
  messages: readonly MessageView[];
  /** `before` for the next older page; null once the start of the room is reached. */
  olderCursor: string | null;
}

/** Messages being sent: shown at once, marked as sending, replaced by the real one. */
const LOCAL_PREFIX = 'local:';

/**
 * One open room: its view, chat history, board and artifacts, kept live by the room's SSE stream.
 *
 * Every event has an id; the store applies each once, in order (EventCursor), and nothing else writes
 * what the page shows. A fresh subscription (no `Last-Event-ID`) is followed by a fresh load, with the
 * events of the meantime held back and applied after it, so nothing falls between the load and the
 * stream; a reconnection resumes where it stopped; a `resync` event reloads. Changes made here show at
 * once and roll back, with the server's message, if it refuses them.
 */
@Injectable()
export class RoomStore {
  private readonly source = inject(ROOM_SOURCE);
  private readonly hooks = inject(ROOM_HOOKS, { optional: true });
  private readonly api = inject(RoomApi);
  private readonly roomsApi = inject(RoomsApi);
  private readonly rooms = inject(RoomsStore);
  private readonly streams = inject(EVENT_STREAMS);

  private readonly roomState = new OptimisticState<RoomView | null>(null);
  private readonly historyState = new OptimisticState<History>({ messages: [], olderCursor: null });
  private readonly taskState = new OptimisticState<readonly TaskView[]>([]);
  private readonly artifactState = new OptimisticState<readonly ArtifactView[]>([]);
  private readonly statusSignal = signal<RoomStatus>('loading');
  private readonly errorSignal = signal<string | null>(null);
  private readonly connectionSignal = signal<StreamStatus>('connecting');
  private readonly connectionErrorSignal = signal<string | null>(null);
  private readonly loadingOlderSignal = signal(false);
  private readonly olderErrorSignal = signal<string | null>(null);
  private readonly cancellingSignal = signal<ReadonlySet<string>>(new Set());

  private roomId: string | null = null;
  private loadInFlight = false;
  private stream: LiveStream | null = null;
  private readonly cursor = new EventCursor();
  /** Events received while a load is in flight; applied after it. */
  private held: SseFrame[] | null = null;
  private resuming = false;
  private loadGeneration = 0;
  private localIds = 0;

  readonly room = this.roomState.value;
  readonly status = this.statusSignal.asReadonly();
  readonly error = this.errorSignal.asReadonly();
  readonly connection = this.connectionSignal.asReadonly();
  readonly connectionError = this.connectionErrorSignal.asReadonly();
  readonly messages = computed(() => this.historyState.value().messages);
  readonly hasOlder = computed(() => this.historyState.value().olderCursor !== null);
  readonly loadingOlder = this.loadingOlderSignal.asReadonly();
  readonly olderError = this.olderErrorSignal.asReadonly();
  readonly tasks = this.taskState.value;
  readonly columns = computed(() => columnsOf(this.tasks()));
  readonly artifacts = this.artifactState.value;
  readonly cancelling = this.cancellingSignal.asReadonly();
  readonly agentNames = computed(() => (this.room()?.agents ?? []).map((a) => a.name));
  readonly replyingAgents = computed(() => (this.room()?.agents ?? []).filter((a) => a.status === 'running'));
  /** Replies still being written, newest last (each can be cancelled). */
  readonly streamingReplies = computed(() => this.messages().filter((m) => m.author_type === 'agent' && m.status === 'streaming' && m.run_id));

  constructor() {
    inject(DestroyRef).onDestroy(() => this.close());
  }

  /** Opens a room (closing any other): subscribes to its events, then loads it. `roomId` is a share id for shared rooms. */
  open(roomId: string): void {
    if (this.roomId === roomId) return;
    this.close();
    this.roomId = roomId;
    this.cursor.reset();
    this.roomState.set(null);
    this.historyState.set({ messages: [], olderCursor: null });
    this.taskState.set([]);
    this.artifactState.set([]);
    this.statusSignal.set('loading');
    this.errorSignal.set(null);
    this.olderErrorSignal.set(null);
    this.held = [];
    const stream = this.streams({
      url: this.source.eventsUrl(roomId),
      onEvent: (frame) => this.receive(frame),
      onStatus: (status, detail) => this.onStreamStatus(stream, status, detail),
    });
    this.stream = stream;
    stream.start();
    // Show the room even if the stream is slow to connect; the first live connection loads it again.
    setTimeout(() => {
      if (this.stream === stream && this.statusSignal() === 'loading' && this.held && !this.loadInFlight) void this.load();
    }, 1_500);
  }

  close(): void {
    this.stream?.stop();
    this.stream = null;
    this.roomId = null;
    this.held = null;
    this.loadGeneration++;
  }

  /** Reconnect at once (the browser came back online). */
  reconnect(): void {
    this.stream?.reconnectNow();
  }

  /** Loads the room as it is now; events arriving meanwhile are applied after it. */
  async load(): Promise<void> {
    const roomId = this.roomId;
    if (!roomId) return;
    const generation = ++this.loadGeneration;
    this.held ??= [];
    this.loadInFlight = true;
    try {
      const [room, page, tasks, artifacts] = await Promise.all([
        this.source.room(roomId),
        this.source.messages(roomId, null, MESSAGE_PAGE_SIZE),
        this.source.tasks(roomId),
        this.source.artifacts(roomId),
      ]);
      if (generation !== this.loadGeneration) return;
      this.setRoom(room);
      this.historyState.set({ messages: page.items, olderCursor: page.next_cursor });
      this.taskState.set(tasks);
      this.artifactState.set(artifacts);
      this.statusSignal.set('ready');
      this.errorSignal.set(null);
    } catch (error) {
      if (generation !== this.loadGeneration) return;
      if (error instanceof ApiError && error.status === 404) {
        this.statusSignal.set('not-found');
        this.stream?.stop();
      } else if (this.statusSignal() !== 'ready') {
        this.statusSignal.set('error');
        this.errorSignal.set(`Could not load this room: ${errorMessage(error)}`);
      } else {
        this.errorSignal.set(`Could not bring this room up to date: ${errorMessage(error)}`);
      }
    } finally {
      if (generation === this.loadGeneration) {
        this.loadInFlight = false;
        const held = this.held ?? [];
        this.held = null;
        for (const frame of held) this.apply(frame);
      }
    }
  }

  /** The next older page of history, in front of what is shown. */
  async loadOlder(): Promise<void> {
    const roomId = this.roomId;
    const before = this.historyState.confirmed.olderCursor;
    if (!roomId || !before || this.loadingOlderSignal()) return;
    this.loadingOlderSignal.set(true);
    this.olderErrorSignal.set(null);
    try {
      const page = await this.source.messages(roomId, before, MESSAGE_PAGE_SIZE);
      if (roomId !== this.roomId) return;
      this.historyState.update((history) => ({ messages: prependPage(history.messages, page.items), olderCursor: page.next_cursor }));
    } catch (error) {
      this.olderErrorSignal.set(`Could not load older messages: ${errorMessage(error)}`);
    } finally {
      this.loadingOlderSignal.set(false);
    }
  }

  // ---- live events ----

  private onStreamStatus(stream: LiveStream, status: StreamStatus, detail: { end?: string; error?: string }): void {
    if (stream !== this.stream) return;
    this.connectionSignal.set(status);
    if (status === 'connecting' || status === 'reconnecting') {
      this.resuming = stream.lastEventId !== null;
      this.connectionErrorSignal.set(status === 'reconnecting' ? (detail.error ?? null) : null);
    } else if (status === 'live') {
      this.connectionErrorSignal.set(null);
      // A fresh subscription starts from "now": load what came before it.
      if (!this.resuming) void this.load();
    } else if (status === 'closed') {
      if (detail.end === 'unauthorized') this.hooks?.sessionEnded();
      else if (detail.end === 'not-found' && this.statusSignal() !== 'deleted') this.statusSignal.set('not-found');
      else if (detail.end === 'rejected') this.connectionErrorSignal.set('The server refused the live connection.');
    }
  }

  /** Entry point of the stream's frames: held while a load is in flight, applied otherwise. */
  receive(frame: SseFrame): void {
    if (frame.type === RESYNC_EVENT) {
      // Events were missed for good: reload, then apply what follows.
      if (frame.id) this.cursor.accept(frame.id);
      this.held = [];
      void this.load();
      return;
    }
    if (this.held) this.held.push(frame);
    else this.apply(frame);
  }

  private apply(frame: SseFrame): void {
    if (!this.cursor.accept(frame.id)) return;
    let data: unknown;
    try {
      data = JSON.parse(frame.data);
    } catch {
      return;
    }
    switch (frame.type) {
      case 'message':
        return this.historyState.update((h) => ({ ...h, messages: upsertMessage(h.messages, data as MessageView) }));
      case 'message_delta':
        return this.historyState.update((h) => ({ ...h, messages: applyDelta(h.messages, data as MessageDeltaEvent) }));
      case 'room':
        return this.onRoomEvent(data as RoomEventData['room']);
      case 'task':
        return this.onTaskEvent(data as RoomEventData['task']);
      case 'artifact':
        return this.onArtifactEvent(data as RoomEventData['artifact']);
      case 'notification':
        return this.hooks?.notification(data as RoomEventData['notification']);
      default:
        return;
    }
  }

  private onRoomEvent(data: RoomEventData['room']): void {
    if ('deleted' in data) {
      this.statusSignal.set('deleted');
      this.hooks?.roomDeleted(data.id);
      this.stream?.stop();
      return;
    }
    this.setRoom(this.source.roomView(data, this.roomId ?? ''));
  }

  private onTaskEvent(data: RoomEventData['task']): void {
    if (data.action === 'deleted') this.taskState.update((tasks) => removeTask(tasks, data.task_id));
    else this.taskState.update((tasks) => placeTask(tasks, data.task));
  }

  private onArtifactEvent(data: RoomEventData['artifact']): void {
    if (data.action === 'deleted') this.artifactState.update((list) => list.filter((a) => a.id !== data.artifact_id));
    else this.artifactState.update((list) => [data.artifact, ...list.filter((a) => a.id !== data.artifact.id)]);
  }

  private setRoom(room: RoomView): void {
    this.roomState.set(room);
    this.hooks?.roomChanged(room);
  }

  // ---- chat ----

  /** Sends a message; it shows at once as "sending" and disappears again if the server refuses it. */
  async send(content: string): Promise<{ paused: boolean }> {
    const roomId = this.requireRoom();
    const now = new Date().toISOString();
    const local: MessageView = {
      id: `${LOCAL_PREFIX}${++this.localIds}`,
      room_id: roomId,
      author_type: 'human',
      agent: null,
      content,
      status: 'streaming',
      run_id: null,
      created_at: now,
      updated_at: now,
    };
    const posted = await this.historyState.apply(
      (h) => ({ ...h, messages: [...h.messages, local] }),
      () => this.api.post(roomId, content),
      (h, result) => ({ ...h, messages: upsertMessage(h.messages, result.message) }),
    );
    return { paused: posted.paused };
  }

  isLocal(message: MessageView): boolean {
    return message.id.startsWith(LOCAL_PREFIX);
  }

  /** Stops a reply in progress; its text so far stays (the final `message` event says "cancelled"). */
  async cancelReply(message: MessageView): Promise<void> {
    if (!message.run_id) return;
    const runId = message.run_id;
    this.cancellingSignal.update((set) => new Set(set).add(runId));
    try {
      await this.api.cancelRun(runId);
    } catch (error) {
      // Already over is not a failure: the reply simply finished first.
      if (!(error instanceof ApiError && error.status === 409)) throw error;
    } finally {
      this.cancellingSignal.update((set) => {
        const next = new Set(set);
        next.delete(runId);
        return next;
      });
    }
  }

  // ---- the room itself ----

  update(changes: RoomUpdate): Promise<RoomView> {
    const id = this.requireRoom();
    return this.roomState.apply(
      (room) => (room ? { ...room, ...changes, agents: room.agents } : room),
      () => this.roomsApi.update(id, changes),
      (_, saved) => this.confirmed(saved),
    );
  }

  setPaused(paused: boolean): Promise<RoomView> {
    const id = this.requireRoom();
    return this.roomState.apply(
      (room) => (room ? { ...room, paused } : room),
      () => this.roomsApi.setPaused(id, paused),
      (_, saved) => this.confirmed(saved),
    );
  }

  async setShared(shared: boolean): Promise<RoomView> {
    const saved = await this.roomsApi.setShared(this.requireRoom(), shared);
    this.roomState.update(() => this.confirmed(saved));
    return saved;
  }

  addAgent(agent: AgentSummary & { harness: string }): Promise<RoomView> {
    const id = this.requireRoom();
    return this.roomState.apply(
      (room) => (room && !room.agents.some((a) => a.id === agent.id) ? { ...room, agents: [...room.agents, { ...agent, status: 'idle' as const }] } : room),
      () => this.roomsApi.addAgent(id, agent.id),
      (_, saved) => this.confirmed(saved),
    );
  }

  removeAgent(agentId: string): Promise<RoomView> {
    const id = this.requireRoom();
    return this.roomState.apply(
      (room) => (room ? { ...room, agents: room.agents.filter((a) => a.id !== agentId) } : room),
      () => this.roomsApi.removeAgent(id, agentId),
      (_, saved) => this.confirmed(saved),
    );
  }

  async deleteRoom(): Promise<void> {
    await this.rooms.delete(this.requireRoom());
    this.statusSignal.set('deleted');
    this.stream?.stop();
  }

  private confirmed(room: RoomView): RoomView {
    this.hooks?.roomChanged(room);
    return room;
  }

  // ---- the board ----

  createTask(input: TaskInput): Promise<TaskView> {
    const roomId = this.requireRoom();
    const now = new Date().toISOString();
    const status: TaskStatus = input.status ?? 'backlog';
    const local: TaskView = {
      id: `${LOCAL_PREFIX}${++this.localIds}`,
      room_id: roomId,
      title: input.title,
      description: input.description ?? '',
      status,
      priority: input.priority ?? 'medium',
      position: Number.MAX_SAFE_INTEGER,
      assignee: null,
      created_by_agent: null,
      created_at: now,
      updated_at: now,
    };
    return this.taskState.apply(
      (tasks) => placeTask(tasks, local),
      () => this.api.createTask(roomId, input),
      (tasks, saved) => placeTask(tasks, saved),
    );
  }

  /** Moves a card to `position` of column `status`, at once; it goes back if the server refuses. */
  moveTask(task: TaskView, status: TaskStatus, position: number): Promise<TaskView> {
    // "Last" is sent as the column's length: the API takes positions up to a bound, not infinity.
    const others = this.taskState.value().filter((t) => t.status === status && t.id !== task.id).length;
    position = Math.max(0, Math.min(Math.trunc(position), others));
    if (task.status === status && task.position === position) return Promise.resolve(task);
    return this.taskState.apply(
      (tasks) => (tasks.some((t) => t.id === task.id) ? placeTask(tasks, { ...(tasks.find((t) => t.id === task.id) as TaskView), status, position }) : tasks),
      () => this.api.updateTask(task.id, { status, position }),
      (tasks, saved) => placeTask(tasks, saved),
    );
  }

  editTask(task: TaskView, changes: TaskUpdate): Promise<TaskView> {
    const room = this.room();
    const assignee =
      changes.assignee_id === undefined ? task.assignee : (room?.agents.find((a) => a.id === changes.assignee_id) ?? null);
    const fields: TaskUpdate = { ...changes };
    delete fields.assignee_id;
    return this.taskState.apply(
      (tasks) => {
        const current = tasks.find((t) => t.id === task.id);
        if (!current) return tasks;
        const edited: TaskView = { ...current, ...fields, assignee: assignee ? { id: assignee.id, name: assignee.name, color: assignee.color, icon: assignee.icon } : null };
        return placeTask(tasks, edited);
      },
      () => this.api.updateTask(task.id, changes),
      (tasks, saved) => placeTask(tasks, saved),
    );
  }

  deleteTask(task: TaskView): Promise<void> {
    return this.taskState.apply(
      (tasks) => removeTask(tasks, task.id),
      () => this.api.deleteTask(task.id),
      (tasks) => removeTask(tasks, task.id),
    );
  }

  // ---- artifacts ----

  deleteArtifact(artifact: ArtifactView): Promise<void> {
    const drop = (list: readonly ArtifactView[]) => list.filter((a) => a.id !== artifact.id);
    return this.artifactState.apply(drop, () => this.api.deleteArtifact(artifact.id), drop);
  }

  private requireRoom(): string {
    if (!this.roomId) throw new Error('No room is open');
    return this.roomId;
  }
}
