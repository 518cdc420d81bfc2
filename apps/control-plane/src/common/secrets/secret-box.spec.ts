import { randomBytes } from 'node:crypto';
import type { ControlPlaneConfig } from '../../config/control-plane.config';
import { SecretBox } from './secret-box';

const boxWith = (key: Buffer) => new SecretBox({ secretsKey: key } as ControlPlaneConfig);

describe('SecretBox', () => {
  const key = randomBytes(32);

  it('round-trips a secret and never stores the plaintext', () => {
    const sealed = boxWith(key).seal('hunter2-secret');
    expect(sealed).not.toContain('hunter2');
    expect(boxWith(key).open(sealed)).toBe('hunter2-secret');
  });

  it('uses a fresh IV, so the same secret seals differently each time', () => {
    expect(boxWith(key).seal('same')).not.toBe(boxWith(key).seal('same'));
  });

  it('refuses to open with another key or after tampering', () => {
    const sealed = boxWith(key).seal('value');
    expect(() => boxWith(randomBytes(32)).open(sealed)).toThrow();
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => boxWith(key).open(parts.join('.'))).toThrow();
  });
});
