import { createCipheriv, randomBytes } from 'node:crypto';
import { parseSecretsKey, SecretBox } from './secret-box';

const key = randomBytes(32);
const box = new SecretBox(key);

/** The control plane's v1 format: the same cipher, no associated data. */
function sealV1(plaintext: string, withKey: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', withKey, iv);
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
}

describe('SecretBox', () => {
  it('opens what it sealed, for the same context', () => {
    const sealed = box.seal('ghp_secret-token ✓', 'agents.secrets:1');
    expect(sealed).toMatch(/^v2\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain('ghp_secret');
    expect(box.open(sealed, 'agents.secrets:1')).toBe('ghp_secret-token ✓');
    expect(box.isCurrent(sealed)).toBe(true);
  });

  it('seals the same value differently every time (fresh IV)', () => {
    expect(box.seal('same', 'c')).not.toBe(box.seal('same', 'c'));
    expect(box.open(box.seal('', 'c'), 'c')).toBe('');
  });

  it('refuses another context: a value copied into another row does not open', () => {
    const sealed = box.seal('secret', 'agents.secrets:1');
    expect(() => box.open(sealed, 'agents.secrets:2')).toThrow('does not open with this key and context');
  });

  it('refuses another key', () => {
    const sealed = box.seal('secret', 'c');
    expect(() => new SecretBox(randomBytes(32)).open(sealed, 'c')).toThrow('does not open');
  });

  it('refuses a truncated tag, even one GCM itself would check', () => {
    const [version, iv, tag, data] = box.seal('secret', 'c').split('.');
    const short = Buffer.from(tag, 'base64url').subarray(0, 12).toString('base64url');
    expect(() => box.open([version, iv, short, data].join('.'), 'c')).toThrow("tag must be 16 bytes");
  });

  it('refuses any change to the ciphertext, IV or format', () => {
    const sealed = box.seal('secret value', 'c');
    const [version, iv, tag, data] = sealed.split('.');
    const flipped = Buffer.from(data, 'base64url');
    flipped[0] ^= 1;
    expect(() => box.open([version, iv, tag, flipped.toString('base64url')].join('.'), 'c')).toThrow('does not open');
    expect(() => box.open([version, iv.slice(0, -2), tag, data].join('.'), 'c')).toThrow('IV must be 12 bytes');
    expect(() => box.open(`${sealed}.extra`, 'c')).toThrow('known format');
    expect(() => box.open(sealed.replace(/^v2/, 'v3'), 'c')).toThrow('known format');
    expect(() => box.open([version, iv, tag, `${data}!`].join('.'), 'c')).toThrow('base64url');
    expect(() => box.open('plain text', 'c')).toThrow('known format');
  });

  it('opens the legacy v1 format only when told to, and says it is not current', () => {
    const legacy = sealV1('old secret', key);
    expect(() => box.open(legacy, 'any')).toThrow('known format');
    const tolerant = new SecretBox(key, { acceptLegacy: true });
    expect(tolerant.open(legacy, 'any')).toBe('old secret');
    expect(tolerant.isCurrent(legacy)).toBe(false);
  });

  it('needs a 32-byte key', () => {
    expect(() => new SecretBox(randomBytes(16))).toThrow('must be 32 bytes, got 16');
  });
});

describe('parseSecretsKey', () => {
  it('reads 32 bytes of base64', () => {
    const text = randomBytes(32).toString('base64');
    expect(parseSecretsKey(` ${text} `)).toEqual(Buffer.from(text, 'base64'));
  });

  it.each(['', 'short', randomBytes(16).toString('base64'), randomBytes(32).toString('base64url'), randomBytes(33).toString('base64')])(
    'refuses %j, naming the variable',
    (value) => {
      expect(() => parseSecretsKey(value)).toThrow('OZ_SECRETS_KEY must be 32 bytes encoded as base64');
    },
  );
});
