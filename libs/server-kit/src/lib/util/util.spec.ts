import { isLoopbackHost } from './addresses';
import { isUuid, newReplicaId } from './ids';
import { parseBooleanWord } from './boolean-words';
import { sleep } from './sleep';

describe('isUuid', () => {
  it('accepts canonical uuids in either case and nothing else', () => {
    expect(isUuid('0b6f1a52-3c1d-4f7e-9a2b-1c2d3e4f5a6b')).toBe(true);
    expect(isUuid('0B6F1A52-3C1D-4F7E-9A2B-1C2D3E4F5A6B')).toBe(true);
    for (const bad of ['', 'x', '0b6f1a52-3c1d-4f7e-9a2b-1c2d3e4f5a6', '0b6f1a52-3c1d-4f7e-9a2b-1c2d3e4f5a6bb', ' 0b6f1a52-3c1d-4f7e-9a2b-1c2d3e4f5a6b', 42, null, undefined]) {
      expect(isUuid(bad)).toBe(false);
    }
  });
});

describe('newReplicaId', () => {
  it('names the host and process, and differs between two instances of one process', () => {
    const a = newReplicaId();
    expect(a).toContain(`/${process.pid}/`);
    expect(newReplicaId()).not.toBe(a);
  });
});

describe('parseBooleanWord', () => {
  it('reads the yes and no words in any case and refuses the rest', () => {
    for (const word of ['1', 'true', 'YES', ' on ']) expect(parseBooleanWord(word)).toBe(true);
    for (const word of ['0', 'False', 'no', 'OFF']) expect(parseBooleanWord(word)).toBe(false);
    for (const word of ['', 'ture', '2', 'y']) expect(parseBooleanWord(word)).toBeUndefined();
  });
});

describe('sleep', () => {
  it('waits the time given', async () => {
    const started = Date.now();
    await sleep(30);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('ends early, without rejecting, when its signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 10);
    await expect(sleep(10_000, controller.signal)).resolves.toBeUndefined();
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('returns at once for a signal that already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const started = Date.now();
    await sleep(10_000, controller.signal);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe('isLoopbackHost', () => {
  it('knows the loopback names and addresses, bracketed and IPv4-mapped included', () => {
    for (const host of ['localhost', 'LOCALHOST', '127.0.0.1', '127.1.2.3', '::1', '[::1]', '::ffff:127.0.0.1', ' 127.0.0.1 ']) {
      expect(isLoopbackHost(host)).toBe(true);
    }
  });

  it('counts every other address as reachable from elsewhere', () => {
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.2', 'example.com', '128.0.0.1', '127.0.0.1.evil.com', '::ffff:10.0.0.1']) {
      expect(isLoopbackHost(host)).toBe(false);
    }
  });
});
