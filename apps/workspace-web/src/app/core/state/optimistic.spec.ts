import { deferred } from '../../../testing/fixtures';
import { OptimisticState } from './optimistic';

describe('OptimisticState', () => {
  it('shows a change at once and keeps the confirmed result when the request succeeds', async () => {
    const state = new OptimisticState<string[]>(['a']);
    const request = deferred<string>();
    const applying = state.apply((list) => [...list, 'b (saving)'], () => request.promise, (list, saved) => [...list, saved]);
    expect(state.value()).toEqual(['a', 'b (saving)']);
    expect(state.pendingCount()).toBe(1);
    request.resolve('b');
    await applying;
    expect(state.value()).toEqual(['a', 'b']);
    expect(state.pendingCount()).toBe(0);
  });

  it('rolls back only its own change on failure, keeping confirmed updates made meanwhile, and rethrows', async () => {
    const state = new OptimisticState<string[]>(['a']);
    const request = deferred<never>();
    const applying = state.apply((list) => list.filter((x) => x !== 'a'), () => request.promise);
    expect(state.value()).toEqual([]);
    state.update((list) => [...list, 'c (from a live event)']);
    expect(state.value()).toEqual(['c (from a live event)']);
    request.reject(new Error('refused'));
    await expect(applying).rejects.toThrow('refused');
    expect(state.value()).toEqual(['a', 'c (from a live event)']);
  });

  it('lays several pending changes over the confirmed state in order', async () => {
    const state = new OptimisticState(0);
    const first = deferred<void>();
    const second = deferred<void>();
    const one = state.apply((n) => n + 1, () => first.promise);
    const two = state.apply((n) => n * 10, () => second.promise);
    expect(state.value()).toBe(10);
    second.reject(new Error('no'));
    await expect(two).rejects.toThrow('no');
    expect(state.value()).toBe(1);
    first.resolve();
    await one;
    expect(state.value()).toBe(0); // no confirm function: the server's state comes by other means
  });
});
