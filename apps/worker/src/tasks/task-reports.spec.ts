import { MAX_WORKER_MESSAGE_BYTES } from '@oz/contract';
import { TaskSetupError, TaskStoppedError } from './task-errors';
import { finishedTaskReport, fitToMessage, refusedImageReport, unfinishedTaskReport } from './task-reports';

describe('the message that ends a task', () => {
  it('completes a task whose agent exited 0, with its output', () => {
    expect(finishedTaskReport('t1', { exitCode: 0, output: 'done' }, undefined)).toEqual({
      type: 'task_completed',
      data: { task_id: 't1', message: 'Task completed successfully', output: 'done' },
    });
  });

  it('fails a task whose agent exited non-zero with the exit code, or with the reason Docker gave', () => {
    expect(finishedTaskReport('t1', { exitCode: 3, output: 'oops' }, undefined)).toEqual({
      type: 'task_failed',
      data: { task_id: 't1', message: 'The agent exited with code 3', failure_reason: 'container_exit', exit_code: 3, output: 'oops' },
    });
    const oom = { exitCode: 137, output: '', failureReason: 'container_oom', message: 'The task ran out of memory and was killed' };
    expect(finishedTaskReport('t1', oom, undefined).data).toMatchObject({ failure_reason: 'container_oom', message: oom.message, exit_code: 137 });
  });

  it('reports a cancelled task CANCELLED, whatever its exit code', () => {
    expect(finishedTaskReport('t1', { exitCode: 137, output: 'partial' }, 'cancel')).toEqual({
      type: 'task_completed',
      data: { task_id: 't1', message: 'Task cancelled by user request.', task_state: 'CANCELLED', output: 'partial' },
    });
  });

  it('fails a task stopped by the worker shutting down with graceful_shutdown', () => {
    expect(finishedTaskReport('t1', { exitCode: 137, output: '' }, 'shutdown')).toEqual({
      type: 'task_failed',
      data: { task_id: 't1', message: 'The worker stopped while the task ran', failure_reason: 'graceful_shutdown', exit_code: 137, output: '' },
    });
  });

  it('reports a task stopped before its container started as its stop says, without an exit code', () => {
    expect(unfinishedTaskReport('t1', new TaskStoppedError(), 'cancel')).toEqual({
      type: 'task_completed',
      data: { task_id: 't1', message: 'Task cancelled by user request.', task_state: 'CANCELLED' },
    });
    expect(unfinishedTaskReport('t1', new TaskStoppedError(), 'shutdown')).toEqual({
      type: 'task_failed',
      data: { task_id: 't1', message: 'The worker stopped while the task ran', failure_reason: 'graceful_shutdown' },
    });
  });

  it('fails a task that could not be set up with the official failure_reason, anything else as unknown', () => {
    expect(unfinishedTaskReport('t1', new TaskSetupError('image_pull', 'Image x is not on this machine'), undefined)).toEqual({
      type: 'task_failed',
      data: { task_id: 't1', message: 'Failed to execute task: Image x is not on this machine', failure_reason: 'image_pull' },
    });
    expect(unfinishedTaskReport('t1', new Error('socket hang up'), undefined).data).toMatchObject({ failure_reason: 'unknown', message: 'Failed to execute task: socket hang up' });
  });
});

describe('the message that ends a task the worker stopped itself', () => {
  it('fails a task past its time limit with task_timeout', () => {
    expect(finishedTaskReport('t1', { exitCode: 137, output: 'slow' }, 'timeout').data).toEqual({
      task_id: 't1',
      message: 'The task exceeded its maximum allowed execution time and was terminated.',
      failure_reason: 'task_timeout',
      exit_code: 137,
      output: 'slow',
    });
    expect(unfinishedTaskReport('t1', new TaskStoppedError(), 'timeout').data).toMatchObject({ failure_reason: 'task_timeout' });
  });

  it('fails a task whose lease the worker could not renew with lease_lost', () => {
    expect(finishedTaskReport('t1', { exitCode: 137, output: '' }, 'lease').data).toMatchObject({ failure_reason: 'lease_lost', exit_code: 137 });
  });

  it('fails a task in an image the worker does not allow with invalid_image, naming the allowed images', () => {
    expect(refusedImageReport('t1', 'evil/miner:1', ['ghcr.io/acme/*', 'node:*'])).toEqual({
      type: 'task_failed',
      data: { task_id: 't1', message: 'Image evil/miner:1 is not allowed on this worker (OZ_WORKER_ALLOWED_IMAGES: ghcr.io/acme/*, node:*)', failure_reason: 'invalid_image' },
    });
  });
});

describe('a report that must fit in one message', () => {
  it('cuts a huge output so the message stays under the gateway limit, and leaves a small one alone', () => {
    const huge = finishedTaskReport('t1', { exitCode: 0, output: `${'é"'.repeat(3 * 1024 * 1024)}` }, undefined);
    const fitted = fitToMessage(huge);
    expect(Buffer.byteLength(JSON.stringify(fitted))).toBeLessThanOrEqual(MAX_WORKER_MESSAGE_BYTES - 16 * 1024);
    expect(fitted.data.output?.endsWith('…')).toBe(true);
    expect(fitted.data.output?.length).toBeGreaterThan(100_000);
    const small = finishedTaskReport('t1', { exitCode: 0, output: 'fine' }, undefined);
    expect(fitToMessage(small)).toBe(small);
  });
});
