import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** What is written: sealed with a context as associated data. */
const CURRENT = 'v2';
/** The control plane's first format, without associated data; opened only when asked for (see SecretBoxOptions). */
const LEGACY = 'v1';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** 32 bytes in standard base64: 43 characters and one `=`. */
export const SECRETS_KEY_PATTERN = /^[A-Za-z0-9+/]{43}=$/;

export interface SecretBoxOptions {
  /**
   * Also open `v1.` values (sealed without a context). Only for stores that hold such values from
   * before contexts existed; anywhere else a `v1.` value is refused, so a ciphertext lifted from one of
   * those stores cannot be planted in a row that never had one.
   */
  acceptLegacy?: boolean;
}

/**
 * AES-256-GCM for secrets at rest, framework-free, shared by every server of the stack:
 * `v2.<iv>.<tag>.<ciphertext>`, each part base64url. Each value is sealed for a context (which table,
 * field and row it belongs to) that is authenticated as associated data, so a ciphertext copied to
 * another row or field does not open. The tag must be the full 16 bytes: GCM would otherwise accept a
 * truncated tag, which is far easier to forge.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(
    key: Uint8Array,
    private readonly options: SecretBoxOptions = {},
  ) {
    if (key.length !== KEY_BYTES) throw new Error(`A secrets key must be ${KEY_BYTES} bytes, got ${key.length}`);
    this.key = Buffer.from(key);
  }

  /** A fresh random IV every time: sealing one value twice gives two different texts. */
  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [CURRENT, base64url(iv), base64url(cipher.getAuthTag()), base64url(data)].join('.');
  }

  /** Throws on another key, another context, a short tag, an unknown format or any change to the text. */
  open(sealed: string, context: string): string {
    const parts = sealed.split('.');
    const [version, iv, tag, data] = parts;
    const known = version === CURRENT || (version === LEGACY && this.options.acceptLegacy === true);
    if (!known || parts.length !== 4 || !iv || !tag) throw new Error('Not a sealed secret of a known format');
    const ivBytes = fromBase64url(iv);
    const tagBytes = fromBase64url(tag);
    if (ivBytes.length !== IV_BYTES) throw new Error(`A sealed secret's IV must be ${IV_BYTES} bytes`);
    if (tagBytes.length !== TAG_BYTES) throw new Error(`A sealed secret's tag must be ${TAG_BYTES} bytes`);
    const decipher = createDecipheriv('aes-256-gcm', this.key, ivBytes, { authTagLength: TAG_BYTES });
    if (version === CURRENT) decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(tagBytes);
    const ciphertext = fromBase64url(data);
    try {
      return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
    } catch {
      throw new Error('The sealed secret does not open with this key and context');
    }
  }

  /** Sealed in the current format (a legacy value opens when accepted, but should be sealed again). */
  isCurrent(sealed: string): boolean {
    return sealed.startsWith(`${CURRENT}.`);
  }
}

/** The key from its configured form (32 bytes, base64); throws a message naming the variable. */
export function parseSecretsKey(value: string, variable = 'OZ_SECRETS_KEY'): Buffer {
  if (!SECRETS_KEY_PATTERN.test(value.trim())) {
    throw new Error(`${variable} must be 32 bytes encoded as base64 (44 characters), e.g. the output of \`openssl rand -base64 32\``);
  }
  return Buffer.from(value.trim(), 'base64');
}

function base64url(bytes: Buffer): string {
  return bytes.toString('base64url');
}

/** Strict: Node's decoder skips characters it does not know, which would let a changed text decode silently. */
function fromBase64url(text: string): Buffer {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error('A sealed secret is not base64url');
  return Buffer.from(text, 'base64url');
}
