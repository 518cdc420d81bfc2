import type { AgentInput, AgentView } from '@oz/workspace-contract';

/** The agent editor's fields as typed, before they become an `AgentInput`. */
export interface AgentForm {
  name: string;
  color: string;
  icon: string;
  harness: string;
  model: string;
  environmentId: string;
  systemPrompt: string;
  repoUrl: string;
  /** One skill per line. */
  skills: string;
  /** A JSON object: server name → settings. */
  mcpServers: string;
}

export const HARNESS_HINTS: Record<string, string> = {
  'claude-code': 'Claude Code — Anthropic models (provider "claude").',
  codex: 'Codex — OpenAI models (provider "codex").',
  'gemini-cli': 'Gemini CLI — Google models (provider "gemini").',
  glm: 'GLM — any OpenAI-compatible endpoint configured as "glm".',
  kimi: 'Kimi — any OpenAI-compatible endpoint configured as "kimi".',
  custom: 'Custom — the OpenAI-compatible provider configured as "custom" (a local model server, a gateway…).',
  oz: 'Oz — the control plane\'s default routing.',
};

export function emptyForm(): AgentForm {
  return {
    name: '',
    color: '#4F46E5',
    icon: 'robot',
    harness: 'claude-code',
    model: '',
    environmentId: '',
    systemPrompt: '',
    repoUrl: '',
    skills: '',
    mcpServers: '{}',
  };
}

export function formOf(agent: AgentView): AgentForm {
  return {
    name: agent.name,
    color: agent.color,
    icon: agent.icon,
    harness: agent.harness,
    model: agent.model ?? '',
    environmentId: agent.environment_id ?? '',
    systemPrompt: agent.system_prompt,
    repoUrl: agent.repo_url ?? '',
    skills: agent.skills.join('\n'),
    mcpServers: JSON.stringify(agent.mcp_servers, null, 2),
  };
}

export type FormProblems = Partial<Record<keyof AgentInput, string>>;

/** The fields as the API takes them, or the problems that stop it (in words, per field). */
export function inputOf(form: AgentForm): { input: AgentInput; problems: FormProblems } {
  const problems: FormProblems = {};
  if (!form.name.trim()) problems.name = 'Give the agent a name; it is how you @mention it.';
  let mcp: Record<string, unknown> = {};
  const text = form.mcpServers.trim();
  if (text) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) problems.mcp_servers = 'MCP servers must be a JSON object: { "name": { …settings } }.';
      else mcp = parsed as Record<string, unknown>;
    } catch (error) {
      problems.mcp_servers = `MCP servers are not valid JSON (${error instanceof Error ? error.message : 'parse error'}).`;
    }
  }
  const input: AgentInput = {
    name: form.name.trim(),
    color: form.color,
    icon: form.icon,
    harness: form.harness,
    model: form.model.trim() || null,
    environment_id: form.environmentId.trim() || null,
    system_prompt: form.systemPrompt,
    repo_url: form.repoUrl.trim() || null,
    skills: form.skills
      .split('\n')
      .map((s) => s.trim())
      .filter(Boolean),
    mcp_servers: mcp,
  };
  return { input, problems };
}

/** Only what changed, for a PATCH (so a concurrent edit of another field is not overwritten). */
export function changesOf(agent: AgentView, input: AgentInput): Partial<AgentInput> {
  const changes: Partial<AgentInput> = {};
  if (input.name !== agent.name) changes.name = input.name;
  if (input.color !== agent.color) changes.color = input.color;
  if (input.icon !== agent.icon) changes.icon = input.icon;
  if (input.harness !== agent.harness) changes.harness = input.harness;
  if ((input.model ?? null) !== agent.model) changes.model = input.model;
  if ((input.environment_id ?? null) !== agent.environment_id) changes.environment_id = input.environment_id;
  if (input.system_prompt !== agent.system_prompt) changes.system_prompt = input.system_prompt;
  if ((input.repo_url ?? null) !== agent.repo_url) changes.repo_url = input.repo_url;
  if (JSON.stringify(input.skills) !== JSON.stringify(agent.skills)) changes.skills = input.skills;
  if (JSON.stringify(input.mcp_servers) !== JSON.stringify(agent.mcp_servers)) changes.mcp_servers = input.mcp_servers;
  return changes;
}
