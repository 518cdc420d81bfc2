/**
 * The workspace's live events, as `GET /api/events?roomId=` sends them over SSE: `id:` is the event's
 * position in the room's stream (send it back as `Last-Event-ID` to resume), `event:` its type and
 * `data:` one JSON object.
 */
export const ROOM_EVENT_TYPES = ['message', 'message_delta', 'room', 'task', 'artifact', 'notification'] as const;
export type RoomEventType = (typeof ROOM_EVENT_TYPES)[number];

/** Sent every OZ_SSE_HEARTBEAT_MS with the current position as `id:`; `data` is `{"t": <ms>}`. */
export const HEARTBEAT_EVENT = 'heartbeat';
/**
 * Sent first when events after the client's `Last-Event-ID` have been trimmed away: replay is partial,
 * so reload the room's state before applying what follows.
 */
export const RESYNC_EVENT = 'resync';

export type AgentRunStatus = 'idle' | 'running' | 'error';

export interface AgentSummary {
  id: string;
  name: string;
  color: string;
  icon: string;
}

export interface RoomAgent extends AgentSummary {
  harness: string;
  /** This agent's state in this room only: an agent busy in another room is idle here. */
  status: AgentRunStatus;
}

export interface RoomView {
  id: string;
  name: string;
  description: string;
  paused: boolean;
  share_id: string | null;
  agents: RoomAgent[];
  created_at: string;
  updated_at: string;
}

export type MessageStatus = 'complete' | 'streaming' | 'error' | 'cancelled';

export interface MessageView {
  id: string;
  room_id: string;
  author_type: 'human' | 'agent';
  /** The agent that wrote it (null for people, and for agents deleted since). */
  agent: AgentSummary | null;
  content: string;
  status: MessageStatus;
  /** The agent run that produced an agent's reply. */
  run_id: string | null;
  created_at: string;
  updated_at: string;
}

/** A piece of a streaming reply: append `delta` at `offset` (characters) of the message's content. */
export interface MessageDeltaEvent {
  message_id: string;
  run_id: string;
  offset: number;
  delta: string;
}

export type TaskStatus = 'backlog' | 'in_progress' | 'done';
export type TaskPriority = 'low' | 'medium' | 'high';

export interface TaskView {
  id: string;
  room_id: string;
  title: string;
  description: string;
  status: TaskStatus;
  priority: TaskPriority;
  /** Order within its status column, from 0. */
  position: number;
  assignee: AgentSummary | null;
  created_by_agent: AgentSummary | null;
  created_at: string;
  updated_at: string;
}

export interface ArtifactView {
  id: string;
  room_id: string;
  type: string;
  title: string;
  content: string;
  url: string | null;
  agent: AgentSummary | null;
  run_id: string | null;
  created_at: string;
}

export interface NotificationView {
  id: string;
  room_id: string;
  room_name: string;
  agent: AgentSummary | null;
  message: string;
  read: boolean;
  created_at: string;
}

/** `data` of each event type. */
export interface RoomEventData {
  message: MessageView;
  message_delta: MessageDeltaEvent;
  /** The room as it is now; `deleted: true` (with only `id`) when it was deleted, which ends the stream. */
  room: RoomView | { id: string; deleted: true };
  task: { action: 'created' | 'updated'; task: TaskView } | { action: 'deleted'; task_id: string };
  artifact: { action: 'created'; artifact: ArtifactView } | { action: 'deleted'; artifact_id: string };
  notification: NotificationView;
}
