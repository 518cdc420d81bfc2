import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EnvironmentItem, ErrorBody, RunItem, ScheduledAgentItem } from '@oz/contract';
import {
  AGENT_HARNESSES,
  AGENT_ICONS,
  TASK_PRIORITIES,
  TASK_STATUSES,
  type AgentRunPage,
  type AgentRunView,
  type ControlPlaneStatus,
  type AgentSummary,
  type AgentView,
  type ArtifactView,
  type MessagePage,
  type MessageView,
  type NotificationPage,
  type NotificationView,
  type PostedMessage,
  type ProviderStatus,
  type RoomAgent,
  type RoomView,
  type TaskView,
  type UserView,
  type WorkerView,
} from '@oz/workspace-contract';
import { keysOf, type Endpoint } from './endpoint';
import { API, CP_API, type PublicRoomView } from './endpoints';

/**
 * Every route the dashboard calls is checked against the workspace API's OpenAPI document, the one
 * the API generates and commits (apps/workspace-api/openapi.json, `npx nx openapi workspace-api`):
 * it exists, takes only the fields and parameters the client sends, and answers the schema the
 * client's type names, whose fields are exactly the contract type's.
 */
const ROOT = join(__dirname, '../../../../../..');
const documentPath = join(ROOT, 'apps/workspace-api/openapi.json');

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  enum?: string[];
  $ref?: string;
  items?: Schema;
}
interface Operation {
  parameters?: { name: string; in: string }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

const doc = JSON.parse(readFileSync(documentPath, 'utf8')) as OpenApiDocument;
type AnyEndpoint = Endpoint<unknown, unknown, unknown>;

const openApiPath = (path: string) => path.replace(/:([A-Za-z]+)/g, '{$1}');
const operation = (endpoint: AnyEndpoint) => doc.paths[openApiPath(endpoint.path)]?.[endpoint.method.toLowerCase()];
const resolve = (schema: Schema | undefined): Schema | undefined =>
  schema?.$ref ? doc.components?.schemas?.[schema.$ref.replace('#/components/schemas/', '')] : schema;
const bodySchema = (op: Operation) => resolve(op.requestBody?.content?.['application/json']?.schema);

const workspaceRoutes = [...Object.entries(API), ...Object.entries(CP_API)] as [string, AnyEndpoint][];

/**
 * The schema each route answers with (null: no JSON body — 204, or an SSE stream). Listing every
 * route is enforced by the type; the test checks each against the document.
 */
const RESPONSES: Record<keyof typeof API | keyof typeof CP_API, string | null> = {
  signup: 'UserDto',
  login: 'UserDto',
  logout: null,
  me: 'UserDto',
  listAgents: 'AgentListDto',
  createAgent: 'AgentViewDto',
  getAgent: 'AgentViewDto',
  updateAgent: 'AgentViewDto',
  deleteAgent: null,
  listRooms: 'RoomListDto',
  createRoom: 'RoomViewDto',
  getRoom: 'RoomViewDto',
  updateRoom: 'RoomViewDto',
  deleteRoom: null,
  pauseRoom: 'RoomViewDto',
  resumeRoom: 'RoomViewDto',
  addRoomAgent: 'RoomViewDto',
  removeRoomAgent: 'RoomViewDto',
  shareRoom: 'RoomViewDto',
  unshareRoom: 'RoomViewDto',
  listMessages: 'MessagePageDto',
  postMessage: 'PostedMessageDto',
  listRoomRuns: 'AgentRunListDto',
  getRun: 'AgentRunViewDto',
  cancelRun: 'AgentRunViewDto',
  listTasks: 'TaskListDto',
  createTask: 'TaskViewDto',
  updateTask: 'TaskViewDto',
  deleteTask: null,
  listArtifacts: 'ArtifactListDto',
  createArtifact: 'ArtifactViewDto',
  deleteArtifact: null,
  listNotifications: 'NotificationPageDto',
  readAllNotifications: 'ReadAllResultDto',
  markNotification: 'NotificationViewDto',
  deleteNotification: null,
  roomEvents: null,
  publicRoom: 'PublicRoomDto',
  publicMessages: 'MessagePageDto',
  publicTasks: 'TaskListDto',
  publicArtifacts: 'ArtifactListDto',
  publicEvents: null,
  status: 'ControlPlaneStatusDto',
  listRuns: 'RunListResponseDto',
  createRun: 'AgentRunResponseDto',
  runLogs: 'CpRunLogPageDto',
  listEnvironments: 'EnvironmentListResponseDto',
  createEnvironment: 'EnvironmentItemDto',
  getEnvironment: 'EnvironmentItemDto',
  updateEnvironment: 'EnvironmentItemDto',
  deleteEnvironment: null,
  listSchedules: 'ScheduleListResponseDto',
  createSchedule: 'ScheduledAgentItemDto',
  getSchedule: 'ScheduledAgentItemDto',
  updateSchedule: 'ScheduledAgentItemDto',
  deleteSchedule: 'CpScheduleDeleteDto',
  pauseSchedule: 'ScheduledAgentItemDto',
  resumeSchedule: 'ScheduledAgentItemDto',
  listWorkers: 'CpWorkerListDto',
  listProviders: 'CpProviderStatusListDto',
  userEvents: null,
};

/** API and CP_API share two names (a workspace agent run, a control-plane run): each is checked under its own list. */
const CP_RESPONSES: Partial<Record<keyof typeof CP_API, string>> = { getRun: 'RunItemDto', cancelRun: 'RunItemDto' };

/** The contract's view types (every key, enforced by keysOf) against the document's response schemas. */
const VIEWS: [string, readonly string[]][] = [
  ['UserDto', keysOf<UserView>()('id', 'name', 'email', 'is_admin')],
  ['AgentSummaryDto', keysOf<AgentSummary>()('id', 'name', 'color', 'icon')],
  ['RoomAgentDto', keysOf<RoomAgent>()('id', 'name', 'color', 'icon', 'harness', 'status')],
  ['RoomViewDto', keysOf<RoomView>()('id', 'name', 'description', 'paused', 'share_id', 'agents', 'created_at', 'updated_at')],
  ['PublicRoomDto', keysOf<PublicRoomView>()('id', 'name', 'description', 'agents', 'created_at', 'updated_at')],
  [
    'AgentViewDto',
    keysOf<AgentView>()('id', 'name', 'color', 'icon', 'harness', 'model', 'environment_id', 'system_prompt', 'repo_url', 'skills', 'mcp_servers', 'running_in_room_ids', 'created_at', 'updated_at'),
  ],
  [
    'AgentRunViewDto',
    keysOf<AgentRunView>()('id', 'room_id', 'agent_id', 'parent_run_id', 'depth', 'reply_message_id', 'state', 'mode', 'remote_run_id', 'provider', 'error', 'created_at', 'started_at', 'completed_at'),
  ],
  ['MessageViewDto', keysOf<MessageView>()('id', 'room_id', 'author_type', 'agent', 'content', 'status', 'run_id', 'created_at', 'updated_at')],
  ['MessagePageDto', keysOf<MessagePage>()('items', 'next_cursor')],
  ['PostedMessageDto', keysOf<PostedMessage>()('message', 'runs', 'paused')],
  [
    'TaskViewDto',
    keysOf<TaskView>()('id', 'room_id', 'title', 'description', 'status', 'priority', 'position', 'assignee', 'created_by_agent', 'created_at', 'updated_at'),
  ],
  ['ArtifactViewDto', keysOf<ArtifactView>()('id', 'room_id', 'type', 'title', 'content', 'url', 'agent', 'run_id', 'created_at')],
  ['NotificationViewDto', keysOf<NotificationView>()('id', 'room_id', 'room_name', 'agent', 'message', 'read', 'created_at')],
  ['NotificationPageDto', keysOf<NotificationPage>()('items', 'unread_count', 'next_cursor')],
  ['AgentRunListDto', keysOf<AgentRunPage>()('items', 'next_cursor')],
  ['ControlPlaneStatusDto', keysOf<ControlPlaneStatus>()('connected', 'runner_mode', 'admin', 'reason')],
  [
    'RunItemDto',
    keysOf<RunItem>()(
      'run_id',
      'task_id',
      'title',
      'prompt',
      'state',
      'created_at',
      'updated_at',
      'started_at',
      'source',
      'agent_config',
      'agent_skill',
      'artifacts',
      'conversation_id',
      'creator',
      'is_sandbox_running',
      'schedule',
      'scope',
      'session_link',
      'status_message',
      'output',
      'provider',
      'attempts',
      'worker_id',
      'request_usage',
    ),
  ],
  [
    'EnvironmentItemDto',
    keysOf<EnvironmentItem>()('id', 'environment_id', 'name', 'description', 'docker_image', 'repos', 'setup_commands', 'env_vars', 'task_timeout_seconds', 'created_at', 'updated_at'),
  ],
  [
    'ScheduledAgentItemDto',
    keysOf<ScheduledAgentItem>()('id', 'name', 'cron_schedule', 'prompt', 'enabled', 'created_at', 'updated_at', 'agent_config', 'history', 'last_spawn_error', 'scope', 'environment'),
  ],
  ['CpWorkerDto', keysOf<WorkerView>()('worker_id', 'connections', 'connected_at', 'last_seen_at', 'running')],
  ['CpProviderStatusDto', keysOf<ProviderStatus>()('key', 'type', 'model', 'usable', 'problems', 'quota', 'blocked_until', 'blocked_reason', 'usage')],
  ['ErrorBodyDto', keysOf<ErrorBody>()('status', 'error', 'code', 'message', 'request_id', 'errors', 'retryable')],
];

const responseRef = (op: Operation): string | null => {
  const ok = Object.entries(op.responses ?? {}).find(([code]) => code.startsWith('2'));
  return ok?.[1].content?.['application/json']?.schema?.$ref?.replace('#/components/schemas/', '') ?? null;
};

describe(`the API client against the OpenAPI document (${documentPath.replace(ROOT + '/', '')})`, () => {
  it.each(workspaceRoutes.map(([name, e]) => [name, e.method, e.path] as const))('%s: %s %s exists', (_name, method, path) => {
    expect(doc.paths[openApiPath(path)]).toBeDefined();
    expect(Object.keys(doc.paths[openApiPath(path)])).toContain(method.toLowerCase());
  });

  it.each(workspaceRoutes.filter(([, e]) => e.bodyFields?.length).map(([name, e]) => [name, e] as const))(
    '%s sends only fields of its request schema, and every required one',
    (_name, endpoint) => {
      const schema = bodySchema(operation(endpoint)!);
      expect(schema?.properties).toBeDefined();
      const known = Object.keys(schema!.properties!);
      expect(endpoint.bodyFields!.filter((field) => !known.includes(field))).toEqual([]);
      expect((schema!.required ?? []).filter((field) => !endpoint.bodyFields!.includes(field))).toEqual([]);
    },
  );

  it.each(workspaceRoutes.filter(([, e]) => e.queryFields?.length).map(([name, e]) => [name, e] as const))('%s uses only documented query parameters', (_name, endpoint) => {
    const query = (operation(endpoint)!.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
    expect(endpoint.queryFields!.filter((field) => !query.includes(field))).toEqual([]);
  });

  it.each(workspaceRoutes.map(([name, e]) => [name, e] as const))('%s answers the schema its type says', (name, endpoint) => {
    const cp = Object.values(CP_API).includes(endpoint as never) ? CP_RESPONSES[name as keyof typeof CP_API] : undefined;
    expect(responseRef(operation(endpoint)!)).toBe(cp ?? RESPONSES[name as keyof typeof RESPONSES]);
  });

  it.each(VIEWS)('%s has exactly the fields of the contract type', (schemaName, fields) => {
    const schema = doc.components!.schemas![schemaName];
    expect(schema).toBeDefined();
    expect(Object.keys(schema.properties ?? {}).sort()).toEqual([...fields].sort());
  });

  it('shares the server\'s value sets: task statuses and priorities, agent harnesses and icons', () => {
    const schema = (name: string) => doc.components!.schemas![name];
    expect(schema('UpdateTaskDto').properties!['status'].enum).toEqual([...TASK_STATUSES]);
    expect(schema('UpdateTaskDto').properties!['priority'].enum).toEqual([...TASK_PRIORITIES]);
    expect(schema('CreateAgentDto').properties!['harness'].enum).toEqual([...AGENT_HARNESSES]);
    expect(schema('CreateAgentDto').properties!['icon'].enum).toEqual([...AGENT_ICONS]);
  });

  it('documents every control-plane route in BFF.md', () => {
    const bffDoc = readFileSync(join(ROOT, 'apps/workspace-web/BFF.md'), 'utf8');
    for (const endpoint of Object.values(CP_API) as AnyEndpoint[]) expect(bffDoc).toContain(`${endpoint.method} ${endpoint.path}`);
  });
});
