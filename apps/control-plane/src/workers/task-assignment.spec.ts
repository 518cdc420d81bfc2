import { taskAssignment } from './task-assignment';
import type { DispatchedRun } from './worker-runs.repository';

describe('the task assignment', () => {
  const run: DispatchedRun = {
    id: 'run-1',
    executionId: 'exec-1',
    title: 'Fix the bug',
    prompt: 'Fix the login bug',
    environmentId: 'env-1',
    agentConfig: { environment_id: 'env-1' },
    workerId: 'w1',
    team: false,
    timeoutSeconds: 900,
    createdAt: new Date('2026-01-01T00:00:00.000Z'),
    updatedAt: new Date('2026-01-01T00:00:01.000Z'),
    firstDispatchWaitSeconds: null,
  };
  const environment = { dockerImage: 'node:22', repos: ['acme/app', 'acme/lib'], setupCommands: ['npm ci', 'npm test'] };

  it('carries the task, this execution, the images, the time limit and the entrypoint variables, one item per line', () => {
    expect(taskAssignment(run, environment, { API_TOKEN: 's3cret', REGION: 'eu' }, { sidecarImage: 'oz-sidecar:1', taskToken: 'tok' })).toEqual({
      task_id: 'run-1',
      execution_id: 'exec-1',
      task: {
        id: 'run-1',
        title: 'Fix the bug',
        task_definition: { prompt: 'Fix the login bug' },
        created_at: '2026-01-01T00:00:00.000Z',
        updated_at: '2026-01-01T00:00:01.000Z',
        agent_config_snapshot: { environment_id: 'env-1' },
      },
      docker_image: 'node:22',
      sidecar_image: 'oz-sidecar:1',
      env_vars: {
        OZ_TASK_PROMPT: 'Fix the login bug',
        OZ_TASK_TOKEN: 'tok',
        OZ_RUN_ID: 'run-1',
        OZ_ENV_REPOS: 'acme/app\nacme/lib',
        OZ_ENV_SETUP_COMMANDS: 'npm ci\nnpm test',
        OZ_ENV_VARS: 'API_TOKEN=s3cret\nREGION=eu',
      },
      task_timeout_seconds: 900,
    });
  });

  it('names the harness and the model when the run has them', () => {
    const withHarness = { ...run, agentConfig: { harness: { type: 'claude' as const }, model_id: 'claude-sonnet-4-5' } };
    expect(taskAssignment(withHarness, environment, {}, { sidecarImage: 's', taskToken: 't' }).env_vars).toMatchObject({
      OZ_HARNESS: 'claude',
      OZ_MODEL_ID: 'claude-sonnet-4-5',
      OZ_ENV_VARS: '',
    });
  });

  it('gives the harness CLI harness.model_id over model_id', () => {
    const both = { ...run, agentConfig: { harness: { type: 'codex' as const, model_id: 'gpt-5.5' }, model_id: 'codex' } };
    expect(taskAssignment(both, environment, {}, { sidecarImage: 's', taskToken: 't' }).env_vars).toMatchObject({ OZ_HARNESS: 'codex', OZ_MODEL_ID: 'gpt-5.5' });
  });

  it('tells the task where the control plane is (OZ_API_BASE_URL) only when it is known', () => {
    const told = taskAssignment(run, environment, {}, { sidecarImage: 's', taskToken: 't', apiBaseUrl: 'http://control-plane:8080/api/v1' });
    expect(told.env_vars?.['OZ_API_BASE_URL']).toBe('http://control-plane:8080/api/v1');
    const untold = taskAssignment(run, environment, {}, { sidecarImage: 's', taskToken: 't', apiBaseUrl: null });
    expect(Object.keys(untold.env_vars ?? {})).not.toContain('OZ_API_BASE_URL');
  });

  it('gives the task the run’s task_env, which never stands in for a variable of the control plane’s own', () => {
    const taskEnv = { OZ_ROOM_API_URL: 'http://workspace:3000/api', OZ_ROOM_TOKEN: 'oz_room_secret' };
    const assignment = taskAssignment(run, environment, {}, { sidecarImage: 's', taskToken: 'the-task-token', taskEnv });
    expect(assignment.env_vars).toMatchObject({ ...taskEnv, OZ_TASK_TOKEN: 'the-task-token', OZ_RUN_ID: 'run-1' });
    // Even a name the contract refuses (a stored row is not trusted) cannot replace the run's own.
    const forged = taskAssignment(run, environment, {}, { sidecarImage: 's', taskToken: 'the-task-token', taskEnv: { OZ_TASK_TOKEN: 'forged', OZ_RUN_ID: 'other' } });
    expect(forged.env_vars).toMatchObject({ OZ_TASK_TOKEN: 'the-task-token', OZ_RUN_ID: 'run-1' });
  });
});
