import { ReconnectPolicy } from './reconnect-policy';

describe('reconnecting to the control plane', () => {
  it('backs off exponentially from 1 s up to 60 s, retrying forever without a limit', () => {
    const policy = new ReconnectPolicy({ maxAttempts: 0, windowMs: 0 });
    const delays = Array.from({ length: 9 }, (_, i) => policy.failed(i));
    expect(delays).toEqual([1, 2, 4, 8, 16, 32, 60, 60, 60].map((s) => ({ retryInMs: s * 1000 })));
  });

  it('starts again from 1 s after a successful connection', () => {
    const policy = new ReconnectPolicy({ maxAttempts: 3, windowMs: 0 });
    policy.failed(0);
    policy.failed(1);
    policy.connected();
    expect(policy.failed(2)).toEqual({ retryInMs: 1000 });
    expect(policy.failed(3)).toEqual({ retryInMs: 2000 });
  });

  it('gives up after maxAttempts failures in a row', () => {
    const policy = new ReconnectPolicy({ maxAttempts: 2, windowMs: 0 });
    expect(policy.failed(0)).toEqual({ retryInMs: 1000 });
    expect(policy.failed(5_000)).toEqual({ giveUp: '2 failed attempts' });
  });

  it('counts only the failures within the window', () => {
    const policy = new ReconnectPolicy({ maxAttempts: 2, windowMs: 10_000 });
    expect(policy.failed(0)).toHaveProperty('retryInMs');
    expect(policy.failed(20_000)).toHaveProperty('retryInMs'); // the first one is out of the window
    expect(policy.failed(25_000)).toEqual({ giveUp: '2 failed attempts within 10 s' });
  });
});
