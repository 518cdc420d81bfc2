import { BadRequestError } from 'oz-agent-sdk';
import { readErrorBody } from '../testing/error-response';
import { startControlPlane, tenantToken, type ControlPlaneHarness } from '../testing/control-plane-harness';

const JSON_BODY = { 'content-type': 'application/json' };

/**
 * A model id ends up in command lines (CLI providers, the harness in a task container), so runs and
 * schedules accept only ids an argument parser cannot take for an option or anything else: a letter
 * or digit first, then letters, digits and . _ : / -, at most 200.
 */
describe('model ids', () => {
  let cp: ControlPlaneHarness;
  const token = tenantToken('models');
  beforeAll(async () => {
    cp = await startControlPlane();
  });
  afterAll(() => cp.close());

  it.each(['claude-sonnet-4-5', 'glm/glm-4.6', 'openai:gpt-4o', 'Qwen2.5_Coder', '7b'])('accepts %s', async (model_id) => {
    const run = await cp.sdk(token).agent.run({ prompt: 'hi', config: { model_id } });
    expect(run.state).toBe('QUEUED');
  });

  it.each([
    ['an option', '--help'],
    ['a short option', '-m'],
    ['a space', 'gpt 4'],
    ['shell syntax', 'a;rm -rf /'],
    ['a command substitution', '$(id)'],
    ['an empty id', ''],
    ['201 characters', 'x'.repeat(201)],
    ['a leading dot', '.hidden'],
    ['a line break', 'model\nnext'],
  ])('refuses %s for a run and a schedule, naming the field', async (_, model_id) => {
    const run = await cp.request('/api/v1/agent/run', { token, method: 'POST', headers: JSON_BODY, body: JSON.stringify({ prompt: 'hi', config: { model_id } }) });
    expect(run.status).toBe(400);
    expect((await readErrorBody(run)).errors?.map((e) => e.field)).toEqual(['config.model_id']);

    const schedule = await cp.request('/api/v1/agent/schedules', {
      token,
      method: 'POST',
      headers: JSON_BODY,
      body: JSON.stringify({ name: 's', cron_schedule: '0 3 * * *', prompt: 'hi', agent_config: { model_id } }),
    });
    expect(schedule.status).toBe(400);
    expect((await readErrorBody(schedule)).errors?.map((e) => e.field)).toEqual(['agent_config.model_id']);
  });

  it('gives the SDK a BadRequestError saying what a model id may hold', async () => {
    const error = await cp.sdk(token).agent.run({ prompt: 'hi', config: { model_id: '--dangerously-skip-permissions' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).message).toMatch(/config\.model_id must start with a letter or digit and hold only letters, digits and \. _ : \/ -/);
  });
});
