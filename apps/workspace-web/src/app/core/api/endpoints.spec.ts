import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ErrorBody } from '@oz/contract';
import {
  AGENT_HARNESSES,
  AGENT_ICONS,
  TASK_PRIORITIES,
  TASK_STATUSES,
  type AgentRunView,
  type AgentSummary,
  type AgentView,
  type ArtifactView,
  type MessagePage,
  type MessageView,
  type NotificationPage,
  type NotificationView,
  type PostedMessage,
  type RoomAgent,
  type RoomView,
  type TaskView,
  type UserView,
} from '@oz/workspace-contract';
import { keysOf, type Endpoint } from './endpoint';
import { API, CP_API, type PublicRoomView } from './endpoints';

/**
 * Every route the dashboard calls is checked against the workspace API's OpenAPI document: the
 * committed one the API generates (apps/workspace-api/openapi.json) once it exists, else the copy
 * taken from a running API (src/testing/workspace-api.openapi.json; refresh it with
 * `node apps/workspace-web/tools/fetch-openapi.mjs <api url>`).
 */
const ROOT = join(__dirname, '../../../../../..');
const GENERATED = join(ROOT, 'apps/workspace-api/openapi.json');
const COPY = join(ROOT, 'apps/workspace-web/src/testing/workspace-api.openapi.json');
const documentPath = existsSync(GENERATED) ? GENERATED : COPY;

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

const workspaceRoutes = Object.entries(API) as [string, AnyEndpoint][];

/**
 * The schema each route answers with (null: no JSON body — 204, or an SSE stream). Listing every
 * route is enforced by the type; the test checks each against the document.
 */
const RESPONSES: Record<keyof typeof API, string | null> = {
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
};

/** The contract's view types (every key, enforced by keysOf) against the document's response schemas. */
const VIEWS: [string, readonly string[]][] = [
  ['UserDto', keysOf<UserView>()('id', 'name', 'email')],
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
  ['NotificationPageDto', keysOf<NotificationPage>()('items', 'unread_count')],
  ['ErrorBodyDto', keysOf<ErrorBody>()('status', 'error', 'code', 'message', 'request_id', 'errors', 'retryable')],
];

/** Response schemas arrived with the generated document; an older copy without them skips these checks. */
const documentsResponses = Object.keys(doc.components?.schemas ?? {}).some((name) => name.endsWith('ViewDto'));
const responseRef = (op: Operation): string | null => {
  const ok = Object.entries(op.responses ?? {}).find(([code]) => code.startsWith('2'));
  return ok?.[1].content?.['application/json']?.schema?.$ref?.replace('#/components/schemas/', '') ?? null;
};
const bffRoutes = Object.entries(CP_API) as [string, AnyEndpoint][];

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

  (documentsResponses ? it.each : it.skip.each)(workspaceRoutes.map(([name, e]) => [name, e] as const))('%s answers the schema its type says', (name, endpoint) => {
    expect(responseRef(operation(endpoint)!)).toBe(RESPONSES[name as keyof typeof API]);
  });

  (documentsResponses ? it.each : it.skip.each)(VIEWS)('%s has exactly the fields of the contract type', (schemaName, fields) => {
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

  it('marks as backend-for-frontend exactly the routes the API does not have yet, and BFF.md lists each of them', () => {
    const bffDoc = readFileSync(join(ROOT, 'apps/workspace-web/BFF.md'), 'utf8');
    for (const [, endpoint] of bffRoutes) {
      expect(endpoint.bff).toBe(true);
      expect(bffDoc).toContain(`${endpoint.method} ${endpoint.path}`);
    }
    // Once the API serves any of /api/cp (phase 2), it must serve all of them.
    const served = bffRoutes.filter(([, e]) => operation(e));
    if (served.length) expect(bffRoutes.filter(([, e]) => !operation(e)).map(([name]) => name)).toEqual([]);
  });
});
