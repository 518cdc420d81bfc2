import { Injectable } from '@nestjs/common';
import type { AgentView } from '@oz/workspace-contract';
import { ApiException, isUniqueViolation } from '@oz/server-kit';
import { AgentRunsService } from '../agent-runs/agent-runs.service';
import { ReplyWriter } from '../agent-runs/reply-writer';
import { notFound } from '../common/not-found';
import { RoomsService } from '../rooms/rooms.service';
import { agentView, type AgentRow } from './agent.view';
import { AgentsRepository, type AgentFields } from './agents.repository';
import type { CreateAgentDto } from './dto/create-agent.dto';
import type { UpdateAgentDto } from './dto/update-agent.dto';

const DEFAULT_COLOR = '#3B82F6';
/** Columns that always hold a value; `null` for them is refused (on create, colour, icon and harness take their defaults instead). */
const NEVER_NULL = ['name', 'color', 'icon', 'harness', 'system_prompt', 'skills', 'mcp_servers'] as const;
const DEFAULTED_ON_CREATE = ['color', 'icon', 'harness'];

/** A user's agents: each belongs to one user, who alone sees, changes and puts it in rooms. */
@Injectable()
export class AgentsService {
  constructor(
    private readonly agents: AgentsRepository,
    private readonly rooms: RoomsService,
    private readonly runs: AgentRunsService,
    private readonly replies: ReplyWriter,
  ) {}

  async list(userId: string): Promise<AgentView[]> {
    const running = await this.runs.runningRooms(userId);
    return (await this.agents.list(userId)).map((a) => agentView(a, running.get(a.id) ?? []));
  }

  async get(userId: string, id: string): Promise<AgentView> {
    const agent = await this.require(userId, id);
    return agentView(agent, (await this.runs.runningRooms(userId)).get(agent.id) ?? []);
  }

  /** The user's agent, or null: an agent of someone else is as absent as one that never existed. */
  async find(userId: string, id: string): Promise<AgentRow | null> {
    const agent = await this.agents.byId(id);
    return agent && agent.user_id === userId ? agent : null;
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
    const agent = await this.require(userId, id);
    if (!(await this.named(input.name, () => this.agents.update(agent.id, fields(input))))) throw notFound('Agent', id);
    // Rooms show their agents' names and looks: tell them when those change.
    await this.rooms.announceRoomsOf(agent.id);
    return this.get(userId, id);
  }

  /** Its replies in progress stop first; the rooms it was in lose it. */
  async delete(userId: string, id: string): Promise<void> {
    const agent = await this.require(userId, id);
    await this.replies.stopOfAgent(agent.id, 'The agent was deleted');
    const rooms = await this.agents.delete(agent.id);
    if (rooms === null) throw notFound('Agent', id);
    for (const roomId of rooms) await this.rooms.announceById(roomId);
  }

  private async require(userId: string, id: string): Promise<AgentRow> {
    const agent = await this.find(userId, id);
    if (!agent) throw notFound('Agent', id);
    return agent;
  }

  private async named<T>(name: string | undefined, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (isUniqueViolation(error)) throw ApiException.conflict(`You already have an agent named ${name}`);
      throw error;
    }
  }
}

function refuseNulls(input: UpdateAgentDto, fields: readonly string[]): void {
  const field = fields.find((name) => (input as Record<string, unknown>)[name] === null);
  if (field) throw ApiException.badRequest(`${field} must not be null`, [{ field, message: `${field} must not be null` }]);
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
