import { isTaskToken, TASK_TOKEN_PREFIX } from './task-api';

describe('task tokens', () => {
  it('are told apart from other tokens by their prefix alone', () => {
    expect(TASK_TOKEN_PREFIX).toBe('oz_task_');
    expect(isTaskToken('oz_task_h5YFv3o81gVnEKlMQcN8bJQMqNHp06EA_jiYlO79Oz0')).toBe(true);
    for (const other of ['oz_tenant_abc', 'oz_worker_abc', 'sk-ant-123', 'OZ_TASK_abc', ' oz_task_abc']) expect(isTaskToken(other)).toBe(false);
  });
});
