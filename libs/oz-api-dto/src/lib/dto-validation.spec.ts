import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { ListRunsQueryDto } from './list-runs.dto';
import { RunConfigDto } from './agent-config.dto';

/** The messages class-validator gives for `plain` read as `type` (as the servers' ValidationPipe does). */
function problems<T extends object>(type: new () => T, plain: object): string[] {
  return validateSync(plainToInstance(type, plain)).flatMap((error) => [
    ...Object.values(error.constraints ?? {}),
    ...(error.children ?? []).flatMap((child) => Object.values(child.constraints ?? {})),
  ]);
}

describe('the shared Oz API DTOs', () => {
  it('read one `state` in a query string as a list, and refuse a state the API does not have', () => {
    const query = plainToInstance(ListRunsQueryDto, { state: 'FAILED', limit: '5' });
    expect(query.state).toEqual(['FAILED']);
    expect(query.limit).toBe(5);
    expect(problems(ListRunsQueryDto, { state: ['FAILED', 'LOST'] })).toEqual([expect.stringContaining('state must be one of')]);
    expect(problems(ListRunsQueryDto, { limit: '101' })).not.toEqual([]);
  });

  it('hold a run config to the contract: model ids, task_env names and values', () => {
    expect(problems(RunConfigDto, { model_id: 'claude/sonnet-4.5', task_env: { OZ_ROOM_TOKEN: 'oz_room_x' } })).toEqual([]);
    expect(problems(RunConfigDto, { model_id: 'two words' })).toEqual([expect.stringContaining('model_id')]);
    expect(problems(RunConfigDto, { task_env: { OZ_TASK_TOKEN: 'forged' } })).toEqual([expect.stringContaining('must start with OZ_ROOM_')]);
    expect(problems(RunConfigDto, { task_env: { OZ_ROOM_URL: 'line\nbreak' } })).toEqual([expect.stringContaining('one line')]);
  });

  it('refuse an MCP server that is none of the three forms', () => {
    expect(problems(RunConfigDto, { mcp_servers: { docs: { url: 'https://mcp.example.com' } } })).toEqual([]);
    expect(problems(RunConfigDto, { mcp_servers: { odd: { nothing: true } } })).not.toEqual([]);
  });
});
