import type {
  AgentRunParams,
  AgentRunResponse,
  EnvironmentItem,
  EnvironmentListResponse,
  EnvironmentParams,
  RunItem,
  RunListParams,
  RunListResponse,
  ScheduleCreateParams,
  ScheduledAgentItem,
  ScheduleDeleteResponse,
  ScheduleListResponse,
  ScheduleUpdateParams,
} from '@oz/contract';
import type {
  AgentInput,
  AgentRunPage,
  AgentRunPageQuery,
  AgentRunView,
  AgentView,
  ArtifactInput,
  ArtifactView,
  ControlPlaneStatus,
  ItemList,
  LoginInput,
  MessageInput,
  MessagePage,
  MessagePageQuery,
  NotificationPage,
  NotificationQuery,
  NotificationUpdate,
  NotificationView,
  PostedMessage,
  ProviderStatusList,
  RoomInput,
  RoomUpdate,
  RoomView,
  RunLogPage,
  SignupInput,
  TaskInput,
  TaskUpdate,
  TaskView,
  UserView,
  WorkerList,
} from '@oz/workspace-contract';
import { del, get, keysOf, patch, post, put } from './endpoint';

/** A shared room as the public sees it: no share id, no pause switch. */
export type PublicRoomView = Omit<RoomView, 'share_id' | 'paused'>;

const agentFields = keysOf<AgentInput>()('name', 'color', 'icon', 'harness', 'model', 'environment_id', 'system_prompt', 'repo_url', 'skills', 'mcp_servers');
const messagePageQuery = keysOf<MessagePageQuery>()('before', 'limit');

/** Every route of the workspace API the dashboard calls. */
export const API = {
  signup: post<UserView, SignupInput>('/api/auth/signup', keysOf<SignupInput>()('name', 'email', 'password', 'invite_token')),
  login: post<UserView, LoginInput>('/api/auth/login', keysOf<LoginInput>()('email', 'password')),
  logout: post<void>('/api/auth/logout'),
  me: get<UserView>('/api/auth/me'),

  listAgents: get<ItemList<AgentView>>('/api/agents'),
  createAgent: post<AgentView, AgentInput>('/api/agents', agentFields),
  getAgent: get<AgentView>('/api/agents/:id'),
  updateAgent: patch<AgentView, Partial<AgentInput>>('/api/agents/:id', agentFields),
  deleteAgent: del('/api/agents/:id'),

  listRooms: get<ItemList<RoomView>>('/api/rooms'),
  createRoom: post<RoomView, RoomInput>('/api/rooms', keysOf<RoomInput>()('name', 'description', 'agent_ids')),
  getRoom: get<RoomView>('/api/rooms/:id'),
  updateRoom: patch<RoomView, RoomUpdate>('/api/rooms/:id', keysOf<RoomUpdate>()('name', 'description', 'agent_ids')),
  deleteRoom: del('/api/rooms/:id'),
  pauseRoom: post<RoomView>('/api/rooms/:id/pause'),
  resumeRoom: post<RoomView>('/api/rooms/:id/resume'),
  addRoomAgent: put<RoomView>('/api/rooms/:id/agents/:agentId'),
  removeRoomAgent: del<RoomView>('/api/rooms/:id/agents/:agentId'),
  shareRoom: post<RoomView>('/api/rooms/:id/share'),
  unshareRoom: del<RoomView>('/api/rooms/:id/share'),

  listMessages: get<MessagePage, MessagePageQuery>('/api/rooms/:roomId/messages', messagePageQuery),
  postMessage: post<PostedMessage, MessageInput>('/api/rooms/:roomId/messages', keysOf<MessageInput>()('content')),

  listRoomRuns: get<AgentRunPage, AgentRunPageQuery>('/api/rooms/:roomId/runs', keysOf<AgentRunPageQuery>()('before', 'limit')),
  getRun: get<AgentRunView>('/api/runs/:id'),
  cancelRun: post<AgentRunView>('/api/runs/:id/cancel'),

  listTasks: get<ItemList<TaskView>>('/api/rooms/:roomId/tasks'),
  createTask: post<TaskView, TaskInput>('/api/rooms/:roomId/tasks', keysOf<TaskInput>()('title', 'description', 'status', 'priority', 'assignee_id')),
  updateTask: patch<TaskView, TaskUpdate>('/api/tasks/:id', keysOf<TaskUpdate>()('title', 'description', 'status', 'priority', 'assignee_id', 'position')),
  deleteTask: del('/api/tasks/:id'),

  listArtifacts: get<ItemList<ArtifactView>>('/api/rooms/:roomId/artifacts'),
  createArtifact: post<ArtifactView, ArtifactInput>('/api/rooms/:roomId/artifacts', keysOf<ArtifactInput>()('type', 'title', 'content', 'url')),
  deleteArtifact: del('/api/artifacts/:id'),

  listNotifications: get<NotificationPage, NotificationQuery>('/api/notifications', keysOf<NotificationQuery>()('unread', 'before', 'limit')),
  readAllNotifications: post<{ updated: number }>('/api/notifications/read-all'),
  markNotification: patch<NotificationView, NotificationUpdate>('/api/notifications/:id', keysOf<NotificationUpdate>()('read')),
  deleteNotification: del('/api/notifications/:id'),

  /** SSE, opened by the event stream client rather than as JSON. */
  roomEvents: get<never, { roomId: string }>('/api/events', ['roomId']),

  publicRoom: get<PublicRoomView>('/api/public/rooms/:shareId'),
  publicMessages: get<MessagePage, MessagePageQuery>('/api/public/rooms/:shareId/messages', messagePageQuery),
  publicTasks: get<ItemList<TaskView>>('/api/public/rooms/:shareId/tasks'),
  publicArtifacts: get<ItemList<ArtifactView>>('/api/public/rooms/:shareId/artifacts'),
  publicEvents: get<never>('/api/public/rooms/:shareId/events'),
} as const;

const runListQuery = keysOf<RunListParams>()(
  'artifact_type',
  'created_after',
  'created_before',
  'updated_after',
  'creator',
  'cursor',
  'limit',
  'environment_id',
  'model_id',
  'name',
  'q',
  'schedule_id',
  'skill',
  'skill_spec',
  'source',
  'state',
);
const environmentFields = keysOf<EnvironmentParams>()('name', 'docker_image', 'description', 'repos', 'setup_commands', 'env_vars', 'task_timeout_seconds');
const scheduleFields = keysOf<ScheduleCreateParams>()('name', 'cron_schedule', 'prompt', 'agent_config', 'enabled', 'team');

/**
 * The control-plane views' routes: the workspace API's backend-for-frontend under `/api/cp`
 * (apps/workspace-web/BFF.md), answering for the signed-in user's own tenant, and the user's own
 * live channel. Shapes are the Oz `/api/v1` ones from `@oz/contract`.
 */
export const CP_API = {
  status: get<ControlPlaneStatus>('/api/cp/status'),
  listRuns: get<RunListResponse, RunListParams>('/api/cp/runs', runListQuery),
  createRun: post<AgentRunResponse, AgentRunParams>('/api/cp/runs', keysOf<AgentRunParams>()('prompt', 'config', 'conversation_id', 'images', 'skill', 'team', 'title')),
  getRun: get<RunItem>('/api/cp/runs/:runId'),
  cancelRun: post<RunItem>('/api/cp/runs/:runId/cancel'),
  runLogs: get<RunLogPage, { after?: number; limit?: number }>('/api/cp/runs/:runId/logs', ['after', 'limit']),

  listEnvironments: get<EnvironmentListResponse>('/api/cp/environments'),
  createEnvironment: post<EnvironmentItem, EnvironmentParams>('/api/cp/environments', environmentFields),
  getEnvironment: get<EnvironmentItem>('/api/cp/environments/:id'),
  updateEnvironment: put<EnvironmentItem, EnvironmentParams>('/api/cp/environments/:id', environmentFields),
  deleteEnvironment: del('/api/cp/environments/:id'),

  listSchedules: get<ScheduleListResponse>('/api/cp/schedules'),
  createSchedule: post<ScheduledAgentItem, ScheduleCreateParams>('/api/cp/schedules', scheduleFields),
  getSchedule: get<ScheduledAgentItem>('/api/cp/schedules/:id'),
  updateSchedule: put<ScheduledAgentItem, ScheduleUpdateParams>('/api/cp/schedules/:id', keysOf<ScheduleUpdateParams>()('name', 'cron_schedule', 'prompt', 'enabled', 'agent_config')),
  deleteSchedule: del<ScheduleDeleteResponse>('/api/cp/schedules/:id'),
  pauseSchedule: post<ScheduledAgentItem>('/api/cp/schedules/:id/pause'),
  resumeSchedule: post<ScheduledAgentItem>('/api/cp/schedules/:id/resume'),

  listWorkers: get<WorkerList>('/api/cp/workers'),
  listProviders: get<ProviderStatusList>('/api/cp/providers'),

  /** SSE: the user's own channel (runs, their output and logs, workers, notifications, rooms). */
  userEvents: get<never>('/api/events/me'),
} as const;
