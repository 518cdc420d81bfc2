import { parseWorkerMessage } from './worker-message';

describe('worker messages', () => {
  it('accepts each message of the official worker and of ours, as sent', () => {
    for (const type of ['task_claimed', 'task_rejected', 'task_completed', 'task_failed', 'task_started', 'task_log']) {
      const text = JSON.stringify({ type, data: { task_id: 'run-1', extra: true } });
      expect(parseWorkerMessage(text, false)).toEqual({ type, data: { task_id: 'run-1', extra: true } });
    }
  });

  it('accepts our worker’s report of the tasks it runs (it names no single task)', () => {
    const data = { report_id: 3, tasks: [{ task_id: 'run-1', execution_id: 'e-1', adopted: true }, { task_id: 'run-2', execution_id: null }] };
    expect(parseWorkerMessage(JSON.stringify({ type: 'running_tasks', data }), false)).toEqual({ type: 'running_tasks', data });
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
    ['an execution_id that is not a string', JSON.stringify({ type: 'task_completed', data: { task_id: 'run-1', execution_id: 5 } }), false],
    ['a report without its task list', JSON.stringify({ type: 'running_tasks', data: { report_id: 1 } }), false],
    ['a report whose task has no task_id', JSON.stringify({ type: 'running_tasks', data: { report_id: 1, tasks: [{ execution_id: 'e' }] } }), false],
    ['a report whose id is not a number', JSON.stringify({ type: 'running_tasks', data: { report_id: '1', tasks: [] } }), false],
    ['a report of more tasks than any worker runs', JSON.stringify({ type: 'running_tasks', data: { tasks: Array.from({ length: 1001 }, () => ({ task_id: 'r' })) } }), false],
  ])('drops %s', (_, text, isBinary) => {
    expect(parseWorkerMessage(text, isBinary)).toBeNull();
  });
});
