import { MAX_LOG_LINE_CHARS, MAX_TASK_OUTPUT_CHARS } from '@oz/contract';
import { storableLine, storableOutput, taskArtifacts, taskEnding } from './task-results';

describe('task results', () => {
  describe('how a final message ends its run', () => {
    it('succeeds on task_completed', () => {
      expect(taskEnding({ type: 'task_completed', data: { task_id: 't', message: 'Task completed successfully' } })).toEqual({ to: 'SUCCEEDED', statusMessage: null });
    });

    it('fails on task_failed with the reason, the failure kind and the exit code the worker gave', () => {
      expect(
        taskEnding({ type: 'task_failed', data: { task_id: 't', message: 'Failed to execute task: exit status 3', failure_reason: 'container_exit', exit_code: 3 } }),
      ).toEqual({ to: 'FAILED', statusMessage: 'Failed to execute task: exit status 3 (container_exit, exit code 3)' });
      expect(taskEnding({ type: 'task_failed', data: { task_id: 't', exit_code: 0 } })).toEqual({ to: 'FAILED', statusMessage: 'The task failed (exit code 0)' });
    });

    it('cancels when the worker says the task was cancelled, whichever message it used', () => {
      expect(taskEnding({ type: 'task_completed', data: { task_id: 't', task_state: 'CANCELLED', message: 'Task cancelled by user request.' } })).toEqual({
        to: 'CANCELLED',
        statusMessage: 'Task cancelled by user request.',
      });
      expect(taskEnding({ type: 'task_failed', data: { task_id: 't', task_state: 'CANCELLED' } })).toEqual({ to: 'CANCELLED', statusMessage: 'Cancelled' });
    });
  });

  describe('artifacts', () => {
    const pullRequest = { artifact_type: 'PULL_REQUEST', created_at: '2026-01-01T00:00:00.000Z', data: { url: 'https://github.com/a/b/pull/1', branch: 'fix' } };

    it('keeps only the well-formed artifacts a worker sends', () => {
      expect(taskArtifacts([pullRequest, { artifact_type: 'PULL_REQUEST' }, 'junk', null], 'https://github.com/a/b/pull/2')).toEqual([pullRequest]);
    });

    it('finds pull requests in the output when the worker sends no artifacts', () => {
      expect(taskArtifacts(undefined, 'Opened https://github.com/acme/app/pull/12 (branch: fix/login)')).toEqual([
        expect.objectContaining({ artifact_type: 'PULL_REQUEST', data: { url: 'https://github.com/acme/app/pull/12', branch: 'fix/login' } }),
      ]);
      expect(taskArtifacts(undefined, null)).toEqual([]);
    });
  });

  it('stores log lines without NUL and cut to MAX_LOG_LINE_CHARS', () => {
    expect(storableLine('a NUL\u0000 byte')).toBe('a NUL byte');
    expect(storableLine(42)).toBe('42');
    expect(storableLine('x'.repeat(MAX_LOG_LINE_CHARS + 5))).toBe(`${'x'.repeat(MAX_LOG_LINE_CHARS)}…`);
  });

  it('stores output without NUL and cut to MAX_TASK_OUTPUT_CHARS', () => {
    expect(storableOutput('fir\u0000st')).toBe('first');
    expect(storableOutput('y'.repeat(MAX_TASK_OUTPUT_CHARS + 1))).toHaveLength(MAX_TASK_OUTPUT_CHARS + 1);
    expect(storableOutput('y'.repeat(MAX_TASK_OUTPUT_CHARS + 1)).endsWith('y…')).toBe(true);
  });
});
