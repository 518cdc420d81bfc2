import { Injectable } from '@nestjs/common';
import type { AgentView } from '@oz/workspace-contract';
import { ApiException, isUniqueViolation } from '@oz/server-kit';
import { randomUUID } from 'node:crypto';
import { AgentRunsService } from '../agent-runs/agent-runs.service';
import { ReplyWriter } from '../agent-runs/reply-writer';
import { notFound } from '../common/not-found';
import { SealedSecrets } from '../core/sealed-secrets';
import { type AgentSecrets, hasSecrets, holdsPlainSecrets, revealedServers, separateSecrets } from './agent-secrets';
import { RoomsService } from '../rooms/rooms.service';
import { agentView, type AgentRow } from './agent.view';
import { AgentsRepository, type AgentFields } from './agents.repository';
import type { CreateAgentDto } from './dto/create-agent.dto';
import type { UpdateAgentDto } from './dto/update-agent.dto';

const DEFAULT_COLOR = '#3B82F6';
/** Columns that always hold a value; `null` for them is refused (on create, colour, icon and harness take their defaults instead). */
const NEVER_NULL = ['name', 'color', 'icon', 'harness', 'system_prompt', 'skills', 'mcp_servers'] as const;
const DEFAULTED_ON_CREATE = ['color', 'icon', 'harness'];

/** What a refusal for lack of OZ_SECRETS_KEY names. */
const AGENT_SECRETS = "MCP server headers and env values, and a repository URL's credentials,";

/** The associated data of an agent's sealed secrets: they open for this agent's row only. */
export const agentSecretsContext = (agentId: string) => `agents.secrets:${agentId}`;

/** A user's agents: each belongs to one user, who alone sees, changes and puts it in rooms. */
@Injectable()
export class AgentsService {
  constructor(
    private readonly agents: AgentsRepository,
    private readonly rooms: RoomsService,
    private readonly runs: AgentRunsService,
    private readonly replies: ReplyWriter,
    private readonly vault: SealedSecrets,
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

  /**
   * The agent as its runs need it: MCP server headers, env and URLs, and the repository URL, with
   * their secrets. Only runners get this; every response shows the redacted forms.
   */
  async forRun(userId: string, id: string): Promise<AgentRow | null> {
    const agent = await this.find(userId, id);
    if (!agent) return null;
    const secrets = this.secretsOf(agent);
    return { ...agent, repo_url: secrets.repo_url ?? agent.repo_url, mcp_servers: revealedServers(agent.mcp_servers, secrets) };
  }

  async create(userId: string, input: CreateAgentDto): Promise<AgentView> {
    refuseNulls(input, NEVER_NULL.filter((name) => !DEFAULTED_ON_CREATE.includes(name)));
    const id = randomUUID();
    const agent = await this.named(input.name, () =>
      this.agents.create(id, userId, {
        ...fields(input),
        ...this.sealed(id, input, {}),
        name: input.name,
        color: input.color ?? DEFAULT_COLOR,
        icon: input.icon ?? 'robot',
        harness: input.harness ?? 'claude-code',
      }),
    );
    return agentView(agent, []);
  }

  async update(userId: string, id: string, input: UpdateAgentDto): Promise<AgentView> {
    refuseNulls(input, NEVER_NULL);
    const agent = await this.require(userId, id);
    const touchesSecrets = input.repo_url !== undefined || input.mcp_servers !== undefined;
    const changes = { ...fields(input), ...(touchesSecrets ? this.sealed(agent.id, input, this.secretsOf(agent)) : {}) };
    if (!(await this.named(input.name, () => this.agents.update(agent.id, changes)))) throw notFound('Agent', id);
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

  /** The agent's secrets: sealed, or still in the clear in a row written before they were sealed. */
  private secretsOf(agent: AgentRow): AgentSecrets {
    if (agent.secrets) return JSON.parse(this.vault.open(agent.secrets, agentSecretsContext(agent.id), AGENT_SECRETS)) as AgentSecrets;
    if (!holdsPlainSecrets(agent.repo_url, agent.mcp_servers)) return {};
    return separateSecrets({ repo_url: agent.repo_url, mcp_servers: agent.mcp_servers }, {}).secrets;
  }

  /** The visible forms of repo_url and mcp_servers as given, and the secrets sealed beside them. */
  private sealed(id: string, input: UpdateAgentDto, stored: AgentSecrets): AgentFields {
    const separated = separateSecrets({ repo_url: input.repo_url, mcp_servers: input.mcp_servers }, stored);
    return {
      repo_url: separated.repo_url,
      mcp_servers: separated.mcp_servers,
      secrets: hasSecrets(separated.secrets) ? this.vault.seal(JSON.stringify(separated.secrets), agentSecretsContext(id), AGENT_SECRETS) : null,
    };
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
    skills: input.skills,
  };
}
