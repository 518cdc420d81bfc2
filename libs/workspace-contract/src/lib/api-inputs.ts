import type { TaskPriority, TaskStatus } from './events';

/**
 * Request bodies and queries of the workspace API's JSON routes, as the dashboard and scripts send
 * them. The server validates each (class-validator DTOs); apps/workspace-web checks these names
 * against the API's OpenAPI document in a unit test.
 */

/** `POST /api/auth/signup`. */
export interface SignupInput {
  name: string;
  email: string;
  /** 12–200 characters, three of: lower case, upper case, digits, symbols; not containing the name or email. */
  password: string;
  /** The token of an invite from the instance admin: needed when signup is invite-only (`OZ_SIGNUP=invite`). */
  invite_token?: string;
}

/** `POST /api/admin/invites`. */
export interface InviteInput {
  /** Only this email may sign up with the invite; left out: whoever holds the link. */
  email?: string;
}

/** `POST /api/auth/login`. */
export interface LoginInput {
  email: string;
  password: string;
}

/** Body of `POST /api/agents`; `PATCH` takes any subset. */
export interface AgentInput {
  name: string;
  color?: string;
  icon?: string;
  harness?: string;
  /** Empty or null: the harness default. */
  model?: string | null;
  environment_id?: string | null;
  system_prompt?: string;
  repo_url?: string | null;
  skills?: string[];
  mcp_servers?: Record<string, unknown>;
}

/** `POST /api/rooms`. */
export interface RoomInput {
  name: string;
  description?: string;
  agent_ids?: string[];
}

/** `PATCH /api/rooms/:id`: rename, describe, or replace the agents. */
export interface RoomUpdate {
  name?: string;
  description?: string;
  agent_ids?: string[];
}

/** `GET /api/rooms/:id/messages` (and the public twin). */
export interface MessagePageQuery {
  before?: string;
  limit?: number;
}

/** `POST /api/rooms/:id/messages`. */
export interface MessageInput {
  content: string;
}

/** `POST /api/rooms/:id/tasks`. */
export interface TaskInput {
  title: string;
  description?: string;
  status?: TaskStatus;
  priority?: TaskPriority;
  assignee_id?: string | null;
}

/** `PATCH /api/tasks/:id`: edit, or move (status and/or position). */
export interface TaskUpdate {
  title?: string;
  description?: string;
  status?: TaskStatus;
  priority?: TaskPriority;
  assignee_id?: string | null;
  /** New place in its (new) status column, from 0; past the end means last. */
  position?: number;
}

/** `POST /api/rooms/:id/artifacts`. */
export interface ArtifactInput {
  type: string;
  title: string;
  content?: string;
  url?: string;
}

/** `GET /api/notifications`. */
export interface NotificationQuery {
  unread?: boolean;
  /** `next_cursor` of the previous page: older notifications. */
  before?: string;
  limit?: number;
}

/** `GET /api/rooms/:id/runs`. */
export interface AgentRunPageQuery {
  /** `next_cursor` of the previous page: older runs. */
  before?: string;
  limit?: number;
}

/** `PATCH /api/notifications/:id`. */
export interface NotificationUpdate {
  read: boolean;
}

export const TASK_STATUSES: readonly TaskStatus[] = ['backlog', 'in_progress', 'done'];
export const TASK_PRIORITIES: readonly TaskPriority[] = ['low', 'medium', 'high'];
