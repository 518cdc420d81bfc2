import { isArtifactItem, isValidWorkerId, isWorkerMessageType, WORKER_MESSAGE_TYPES } from './worker-protocol';

describe('isValidWorkerId', () => {
  it('accepts names of letters, digits, dots, dashes and underscores up to 128 characters', () => {
    for (const id of ['build-1', 'a', 'host.example_2', 'x'.repeat(128)]) expect(isValidWorkerId(id)).toBe(true);
  });

  it('refuses the reserved prefix, a leading symbol, other characters and overlong names', () => {
    for (const id of ['', 'warp-1', '-x', '.x', 'a b', 'a/b', 'é', 'x'.repeat(129)]) expect(isValidWorkerId(id)).toBe(false);
  });
});

describe('isArtifactItem', () => {
  const at = '2026-01-01T00:00:00.000Z';

  it('keeps well-formed pull requests and plans', () => {
    expect(isArtifactItem({ artifact_type: 'PULL_REQUEST', created_at: at, data: { url: 'https://github.com/a/b/pull/1', branch: '' } })).toBe(true);
    expect(isArtifactItem({ artifact_type: 'PLAN', created_at: at, data: { document_uid: 'd1' } })).toBe(true);
  });

  it('drops anything else a worker might send', () => {
    for (const bad of [
      null,
      'junk',
      { artifact_type: 'PULL_REQUEST' },
      { artifact_type: 'PULL_REQUEST', created_at: at, data: { url: 1, branch: '' } },
      { artifact_type: 'PULL_REQUEST', created_at: at, data: null },
      { artifact_type: 'PLAN', created_at: at, data: {} },
      { artifact_type: 'SCREENSHOT', created_at: at, data: { url: 'x' } },
    ]) {
      expect(isArtifactItem(bad)).toBe(false);
    }
  });
});

describe('worker message types', () => {
  it('lists what workers send: the official messages and our three extensions', () => {
    expect([...WORKER_MESSAGE_TYPES].sort()).toEqual(['running_tasks', 'task_claimed', 'task_completed', 'task_failed', 'task_log', 'task_rejected', 'task_started']);
  });

  it('knows no server message, nothing inherited from Object, and no non-string', () => {
    for (const type of ['task_assignment', 'task_cancellation', 'task_leases', 'toString', '__proto__', 7, null]) expect(isWorkerMessageType(type)).toBe(false);
    expect(isWorkerMessageType('task_log')).toBe(true);
  });
});
