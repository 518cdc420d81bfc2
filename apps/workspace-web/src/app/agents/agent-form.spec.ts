import type { AgentView } from '@oz/workspace-contract';
import { changesOf, emptyForm, formOf, inputOf } from './agent-form';

const agent: AgentView = {
  id: 'a1',
  name: 'Rex',
  color: '#3B82F6',
  icon: 'robot',
  harness: 'codex',
  model: null,
  environment_id: null,
  system_prompt: 'Review.',
  repo_url: null,
  skills: ['lint'],
  mcp_servers: { github: { url: 'https://x' } },
  running_in_room_ids: [],
  created_at: '',
  updated_at: '',
};

describe('the agent form', () => {
  it('turns the fields into the API body: blanks become null, skills one per line, MCP servers from JSON', () => {
    const { input, problems } = inputOf({ ...emptyForm(), name: ' Rex ', skills: 'lint\n\n  test  \n', mcpServers: '{"github":{"url":"https://x"}}', model: '  ' });
    expect(problems).toEqual({});
    expect(input).toMatchObject({ name: 'Rex', model: null, environment_id: null, repo_url: null, skills: ['lint', 'test'], mcp_servers: { github: { url: 'https://x' } } });
  });

  it('says what is wrong with the name and the MCP servers JSON', () => {
    expect(inputOf({ ...emptyForm(), name: '', mcpServers: '[1]' }).problems).toEqual({
      name: 'Give the agent a name; it is how you @mention it.',
      mcp_servers: 'MCP servers must be a JSON object: { "name": { …settings } }.',
    });
    expect(inputOf({ ...emptyForm(), name: 'x', mcpServers: '{oops' }).problems.mcp_servers).toMatch(/^MCP servers are not valid JSON/);
  });

  it('sends only what changed', () => {
    const { input } = inputOf({ ...formOf(agent), model: 'gpt-5', skills: 'lint\nreview' });
    expect(changesOf(agent, input)).toEqual({ model: 'gpt-5', skills: ['lint', 'review'] });
    expect(changesOf(agent, inputOf(formOf(agent)).input)).toEqual({});
  });
});
