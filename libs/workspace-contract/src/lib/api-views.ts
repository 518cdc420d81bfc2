import type { AgentRunStatus, MessageView, NotificationView } from './events';

/**
 * What the workspace API answers besides the event payloads (events.ts): the bodies of its JSON
 * routes, as the dashboard and scripts read them. Field names are the wire's snake_case.
 */

/** `GET /api/auth/me`, and the answer of signup and login. */
export interface UserView {
  id: string;
  name: string;
  email: string;
  /** The instance admin (the first account): manages invites and sees every tenant through the control-plane views. */
  is_admin: boolean;
}

/** `GET /api/admin/invites` (instance admin only): an invite, never its token. */
export interface InviteView {
  id: string;
  /** Only this email may use it; null: anyone holding the link. */
  email: string | null;
  state: InviteState;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export type InviteState = 'pending' | 'used' | 'expired';

/** `POST /api/admin/invites`: the invite with its token, shown this once. */
export interface CreatedInviteView extends InviteView {
  token: string;
  /** Where the invited person signs up, relative to the dashboard's address: `/signup?invite=<token>`. */
  link: string;
}

/** Lists that are short by nature (a user's agents, a room's tasks) come whole, as `{ items }`. */
export interface ItemList<T> {
  items: T[];
}

/** `GET/POST /api/agents`, `GET/PATCH /api/agents/:id`. */
export interface AgentView {
  id: string;
  name: string;
  color: string;
  icon: string;
  harness: string;
  model: string | null;
  environment_id: string | null;
  system_prompt: string;
  repo_url: string | null;
  skills: string[];
  mcp_servers: Record<string, unknown>;
  /** Rooms where this agent is replying right now. */
  running_in_room_ids: string[];
  created_at: string;
  updated_at: string;
}

/** The harnesses an agent may name (`POST /api/agents`). */
export const AGENT_HARNESSES = ['claude-code', 'codex', 'gemini-cli', 'glm', 'kimi', 'custom', 'oz'] as const;
export type AgentHarness = (typeof AGENT_HARNESSES)[number];

/** The icons an agent may carry. */
export const AGENT_ICONS = ['robot', 'brain', 'lightning', 'code', 'terminal', 'gear', 'search', 'pencil', 'book', 'chat', 'rocket', 'shield', 'bug', 'git', 'database', 'cloud'] as const;
export type AgentIcon = (typeof AGENT_ICONS)[number];

export type AgentRunState = 'QUEUED' | 'INPROGRESS' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
export const ACTIVE_AGENT_RUN_STATES: readonly AgentRunState[] = ['QUEUED', 'INPROGRESS'];

/** One agent's reply in a room: `GET /api/rooms/:id/runs`, `GET /api/runs/:id`, `POST /api/runs/:id/cancel`. */
export interface AgentRunView {
  id: string;
  room_id: string;
  agent_id: string;
  parent_run_id: string | null;
  depth: number;
  reply_message_id: string;
  state: AgentRunState;
  mode: string;
  remote_run_id: string | null;
  provider: string | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
}

/** `GET /api/rooms/:id/messages?before=&limit=`: the newest page first, each page oldest first. */
export interface MessagePage {
  items: MessageView[];
  /** Pass as `before` for the older page; null at the start of the room. */
  next_cursor: string | null;
}

/** `POST /api/rooms/:id/messages`. */
export interface PostedMessage {
  message: MessageView;
  /** The agent runs the message started (its @mentions). */
  runs: AgentRunView[];
  /** True when the room is paused, so mentions invoked nobody. */
  paused: boolean;
}

/** `GET /api/notifications?unread=&before=&limit=`: newest first. */
export interface NotificationPage {
  items: NotificationView[];
  unread_count: number;
  /** Pass as `before` for the next (older) page; null when there is none. */
  next_cursor: string | null;
}

/** `GET /api/rooms/:id/runs?before=&limit=`: a room's agent runs, newest first. */
export interface AgentRunPage {
  items: AgentRunView[];
  /** Pass as `before` for the next (older) page; null when there is none. */
  next_cursor: string | null;
}

/** Re-exported for readers of this file: an agent's state in one room. */
export type { AgentRunStatus };
