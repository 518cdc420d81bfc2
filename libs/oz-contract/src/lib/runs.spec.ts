import { isTerminalRunState, MAX_TASK_ENV_BYTES, MAX_TASK_ENV_ENTRIES, RUN_STATES, taskEnvProblem, TERMINAL_RUN_STATES } from './runs';

describe('run states', () => {
  it('lists exactly the states the official SDK knows', () => {
    expect([...RUN_STATES]).toEqual(['QUEUED', 'PENDING', 'CLAIMED', 'INPROGRESS', 'SUCCEEDED', 'FAILED', 'CANCELLED']);
  });

  it('treats only SUCCEEDED, FAILED and CANCELLED as terminal', () => {
    expect(RUN_STATES.filter(isTerminalRunState)).toEqual(['SUCCEEDED', 'FAILED', 'CANCELLED']);
    expect([...TERMINAL_RUN_STATES].sort()).toEqual(['CANCELLED', 'FAILED', 'SUCCEEDED']);
  });
});

describe('a run’s task_env', () => {
  it('takes OZ_ROOM_ names with single-line string values', () => {
    expect(taskEnvProblem('task_env', { OZ_ROOM_API_URL: 'http://workspace:3000/api', OZ_ROOM_TOKEN: 'oz_room_abc' })).toBeNull();
    expect(taskEnvProblem('task_env', {})).toBeNull();
  });

  it.each([
    ['not an object', ['x'], 'task_env', /must be an object/],
    ['null', null, 'task_env', /must be an object/],
    ['a name outside the prefix', { OZ_TASK_TOKEN: 'x' }, 'task_env.OZ_TASK_TOKEN', /must start with OZ_ROOM_/],
    ['a lower-case name', { oz_room_token: 'x' }, 'task_env.oz_room_token', /must start with OZ_ROOM_/],
    ['the bare prefix', { OZ_ROOM_: 'x' }, 'task_env.OZ_ROOM_', /must start with OZ_ROOM_/],
    ['a number', { OZ_ROOM_PORT: 3000 }, 'task_env.OZ_ROOM_PORT', /must be a string/],
    ['a newline', { OZ_ROOM_TOKEN: 'a\nOZ_TASK_TOKEN=x' }, 'task_env.OZ_ROOM_TOKEN', /one line/],
    ['a tab', { OZ_ROOM_TOKEN: 'a\tb' }, 'task_env.OZ_ROOM_TOKEN', /one line/],
    ['a long value', { OZ_ROOM_TOKEN: 'x'.repeat(4097) }, 'task_env.OZ_ROOM_TOKEN', /at most 4096 characters/],
  ])('refuses %s, naming the field', (_, value, field, message) => {
    const problem = taskEnvProblem('task_env', value);
    expect(problem?.field).toBe(field);
    expect(problem?.message).toMatch(message);
  });

  it('refuses too many variables and too many bytes in all', () => {
    const many = Object.fromEntries(Array.from({ length: MAX_TASK_ENV_ENTRIES + 1 }, (_, i) => [`OZ_ROOM_V${i}`, 'x']));
    expect(taskEnvProblem('task_env', many)?.message).toMatch(/at most 16 variables/);
    const big = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`OZ_ROOM_V${i}`, 'é'.repeat(2000)]));
    expect(taskEnvProblem('task_env', big)?.message).toBe(`task_env must be at most ${MAX_TASK_ENV_BYTES} bytes in all`);
  });
});
