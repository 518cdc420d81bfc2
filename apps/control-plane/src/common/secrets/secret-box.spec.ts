import { createCipheriv, randomBytes } from 'node:crypto';
import { SecretBox, secretContext } from './secret-box';

const boxWith = (key: Buffer) => new SecretBox({ secretsKey: key });

/** How the first version sealed (no associated data), to prove such values still open. */
function sealLegacy(key: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
}

describe('SecretBox', () => {
  const key = randomBytes(32);
  const context = secretContext('environments', 'env_vars', 'a6f1c9a4-5a0e-4d0e-9d43-1c1f1b8f2e11');

  it('round-trips a secret and never stores the plaintext', () => {
    const sealed = boxWith(key).seal('hunter2-secret', context);
    expect(sealed).toMatch(/^v2\./);
    expect(sealed).not.toContain('hunter2');
    expect(boxWith(key).open(sealed, context)).toBe('hunter2-secret');
  });

  it('uses a fresh IV, so the same secret seals differently each time', () => {
    expect(boxWith(key).seal('same', context)).not.toBe(boxWith(key).seal('same', context));
  });

  it('refuses to open with another key or after tampering with the ciphertext', () => {
    const sealed = boxWith(key).seal('value', context);
    expect(() => boxWith(randomBytes(32)).open(sealed, context)).toThrow();
    const parts = sealed.split('.');
    const data = Buffer.from(parts[3], 'base64url');
    data[0] ^= 1;
    parts[3] = data.toString('base64url');
    expect(() => boxWith(key).open(parts.join('.'), context)).toThrow();
  });

  it('refuses a ciphertext moved to another row or another field (the context is associated data)', () => {
    const sealed = boxWith(key).seal('value', context);
    expect(() => boxWith(key).open(sealed, secretContext('environments', 'env_vars', 'another-row'))).toThrow();
    expect(() => boxWith(key).open(sealed, secretContext('environments', 'repos', 'a6f1c9a4-5a0e-4d0e-9d43-1c1f1b8f2e11'))).toThrow();
  });

  it.each([1, 4, 8, 12, 15])('refuses a tag cut to %i bytes, though GCM alone would check only those', (bytes) => {
    const sealed = boxWith(key).seal('value', context);
    const parts = sealed.split('.');
    parts[2] = Buffer.from(parts[2], 'base64url').subarray(0, bytes).toString('base64url');
    expect(() => boxWith(key).open(parts.join('.'), context)).toThrow(/tag must be 16 bytes/);
  });

  it('refuses unknown versions and malformed values', () => {
    const [, iv, tag, data] = boxWith(key).seal('value', context).split('.');
    for (const bad of [`v3.${iv}.${tag}.${data}`, `v2.${iv}.${tag}`, `v2.${iv}.${tag}.${data}.extra`, 'plain text', '']) {
      expect(() => boxWith(key).open(bad, context)).toThrow();
    }
  });

  it('still opens values sealed by the first version (no associated data), and tells they need sealing again', () => {
    const legacy = sealLegacy(key, 'old secret');
    expect(boxWith(key).open(legacy, context)).toBe('old secret');
    expect(boxWith(key).isCurrent(legacy)).toBe(false);
    expect(boxWith(key).isCurrent(boxWith(key).seal('new', context))).toBe(true);
  });
});
