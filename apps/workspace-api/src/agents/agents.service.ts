import { Injectable } from '@nestjs/common';
import { ApiException, isUniqueViolation } from '@oz/server-kit';
import { notFound } from '../common/ids';
import { InvocationService } from '../invocation/invocation.service';
import { RoomAnnouncer } from '../rooms/room-announcer';
import { RoomsRepository } from '../rooms/rooms.repository';
import { agentView, type AgentView } from './agent.view';
import type { CreateAgentDto, UpdateAgentDto } from './agents.dto';
import { AgentsRepository, type AgentFields } from './agents.repository';

const DEFAULT_COLOR = '#3B82F6';
/** Columns that always hold a value; `null` for them is refused (on create, colour, icon and harness take their defaults instead). */
const NEVER_NULL = ['name', 'color', 'icon', 'harness', 'system_prompt', 'skills', 'mcp_servers'] as const;
const DEFAULTED_ON_CREATE = ['color', 'icon', 'harness'];

function refuseNulls(input: UpdateAgentDto, fields: readonly string[]): void {
  const field = fields.find((name) => (input as Record<string, unknown>)[name] === null);
  if (field) throw ApiException.badRequest(`${field} must not be null`, [{ field, message: `${field} must not be null` }]);
}

@Injectable()
export class AgentsService {
  constructor(
    private readonly agents: AgentsRepository,
    private readonly rooms: RoomsRepository,
    private readonly announcer: RoomAnnouncer,
    private readonly invocation: InvocationService,
  ) {}

  async list(userId: string): Promise<AgentView[]> {
    const running = await this.agents.runningRooms(userId);
    return (await this.agents.list(userId)).map((a) => agentView(a, running.get(a.id) ?? []));
  }

  async get(userId: string, id: string): Promise<AgentView> {
    const agent = await this.agents.owned(userId, id);
    if (!agent) throw notFound('Agent', id);
    return agentView(agent, (await this.agents.runningRooms(userId)).get(agent.id) ?? []);
  }

  async create(userId: string, input: CreateAgentDto): Promise<AgentView> {
    refuseNulls(input, NEVER_NULL.filter((name) => !DEFAULTED_ON_CREATE.includes(name)));
    const agent = await this.named(input.name, () =>
      this.agents.create(userId, { ...fields(input), name: input.name, color: input.color ?? DEFAULT_COLOR, icon: input.icon ?? 'robot', harness: input.harness ?? 'claude-code' }),
    );
    return agentView(agent, []);
  }

  async update(userId: string, id: string, input: UpdateAgentDto): Promise<AgentView> {
    refuseNulls(input, NEVER_NULL);
    const agent = await this.named(input.name, () => this.agents.update(userId, id, fields(input)));
    if (!agent) throw notFound('Agent', id);
    await this.announceRooms(id);
    return this.get(userId, id);
  }

  async delete(userId: string, id: string): Promise<void> {
    if (await this.agents.owned(userId, id)) await this.invocation.cancelAgent(id, 'The agent was deleted');
    const rooms = await this.agents.delete(userId, id);
    if (rooms === null) throw notFound('Agent', id);
    for (const roomId of rooms) await this.announcer.announce(roomId);
  }

  private async named<T>(name: string | undefined, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (isUniqueViolation(error)) throw ApiException.conflict(`You already have an agent named ${name}`);
      throw error;
    }
  }

  /** Rooms show their agents' names and looks: tell them when those change. */
  private async announceRooms(agentId: string): Promise<void> {
    for (const room of await this.rooms.roomsOfAgent(agentId)) await this.announcer.announce(room);
  }
}

function fields(input: UpdateAgentDto): AgentFields {
  return {
    name: input.name,
    color: input.color,
    icon: input.icon,
    harness: input.harness,
    model: input.model,
    environment_id: input.environment_id,
    system_prompt: input.system_prompt,
    repo_url: input.repo_url,
    skills: input.skills,
    mcp_servers: input.mcp_servers,
  };
}
