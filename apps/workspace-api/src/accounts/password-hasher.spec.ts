import { PasswordChecksBusy, PasswordHasher } from './password-hasher';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('PasswordHasher', () => {
  it('runs at most `concurrency` checks at once, queues `queue` more in order, and refuses the rest with 503', async () => {
    const hasher = new PasswordHasher({ passwords: { concurrency: 2, queue: 1 } });
    const gates = [deferred(), deferred(), deferred()];
    const started: number[] = [];
    const work = (i: number) => hasher.slot(async () => (started.push(i), await gates[i].promise, i));
    const running = [work(0), work(1), work(2)];
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    await expect(hasher.slot(async () => 'too many')).rejects.toBeInstanceOf(PasswordChecksBusy);
    await expect(hasher.slot(async () => 'too many')).rejects.toMatchObject({ status: 503, code: 'server_busy', retryAfterSeconds: 2 });

    gates[0].resolve();
    await running[0];
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1, 2]);
    gates[1].resolve();
    gates[2].resolve();
    expect(await Promise.all(running)).toEqual([0, 1, 2]);
    // All slots free again.
    expect(await Promise.all([hasher.slot(async () => 'a'), hasher.slot(async () => 'b'), hasher.slot(async () => 'c')])).toEqual(['a', 'b', 'c']);
  });

  it('frees the slot when the work fails', async () => {
    const hasher = new PasswordHasher({ passwords: { concurrency: 1, queue: 0 } });
    await expect(hasher.slot(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await hasher.slot(async () => 'next')).toBe('next');
  });

  it('hashes with argon2id and checks unknown accounts against a decoy', async () => {
    const hasher = new PasswordHasher({ passwords: { concurrency: 1, queue: 4 } });
    const hash = await hasher.hash('Correct-Horse-Battery-42');
    expect(hash).toMatch(/^\$argon2id\$/);
    expect(await hasher.verify(hash, 'Correct-Horse-Battery-42')).toBe(true);
    expect(await hasher.verify(hash, 'wrong')).toBe(false);
    expect(await hasher.verify(null, 'Correct-Horse-Battery-42')).toBe(false);
  });
});
