import { parseWorkerMessage } from './worker-message';

describe('worker messages', () => {
  it('accepts each message of the official worker and of ours, as sent', () => {
    for (const type of ['task_claimed', 'task_rejected', 'task_completed', 'task_failed', 'task_started', 'task_log']) {
      const text = JSON.stringify({ type, data: { task_id: 'run-1', extra: true } });
      expect(parseWorkerMessage(text, false)).toEqual({ type, data: { task_id: 'run-1', extra: true } });
    }
  });

  it.each([
    ['a binary frame', JSON.stringify({ type: 'task_claimed', data: { task_id: 'run-1' } }), true],
    ['text that is not JSON', '{"type": "task_claimed",', false],
    ['JSON null', 'null', false],
    ['an unknown type', JSON.stringify({ type: 'task_assignment', data: { task_id: 'run-1' } }), false],
    ['a type that is not a string', JSON.stringify({ type: 7, data: { task_id: 'run-1' } }), false],
    ['no data', JSON.stringify({ type: 'task_claimed' }), false],
    ['data that is not an object', JSON.stringify({ type: 'task_claimed', data: 'run-1' }), false],
    ['no task_id', JSON.stringify({ type: 'task_log', data: { lines: ['x'] } }), false],
    ['a task_id that is not a string', JSON.stringify({ type: 'task_claimed', data: { task_id: 12 } }), false],
  ])('drops %s', (_, text, isBinary) => {
    expect(parseWorkerMessage(text, isBinary)).toBeNull();
  });
});
