import { Inject, Injectable } from '@nestjs/common';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { CONTROL_PLANE_CONFIG, ConfigError, type ControlPlaneConfig } from '../../config/control-plane.config';

const KEY_CHECK_VALUE = 'oz-stack secrets key check';

/** Format version first, so the scheme or key can change later without guessing. */
const VERSION = 'v1';

/** AES-256-GCM for secrets at rest: `v1.<iv>.<tag>.<ciphertext>`, each part base64url. */
@Injectable()
export class SecretBox {
  private readonly key: Buffer;

  constructor(@Inject(CONTROL_PLANE_CONFIG) config: ControlPlaneConfig) {
    this.key = config.secretsKey;
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, iv, cipher.getAuthTag(), data].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
  }

  /**
   * Refuses to run with a different key than the one the stored secrets were sealed with (say, after
   * OZ_ADMIN_API_KEY changed while the key was derived from it): every secret would be unreadable.
   */
  async verifyKey(dataSource: DataSource): Promise<void> {
    await dataSource.query(`INSERT INTO secrets_key_check (id, sealed) VALUES (1, $1) ON CONFLICT DO NOTHING`, [
      this.seal(KEY_CHECK_VALUE),
    ]);
    const [{ sealed }] = await dataSource.query(`SELECT sealed FROM secrets_key_check WHERE id = 1`);
    let opened: string | null = null;
    try {
      opened = this.open(sealed);
    } catch {
      opened = null;
    }
    if (opened !== KEY_CHECK_VALUE) {
      throw new ConfigError(
        'The secrets key (OZ_SECRETS_KEY, or the key derived from OZ_ADMIN_API_KEY when it is unset) is not the key ' +
          'the stored environment secrets were encrypted with. Restore the previous key and set it as OZ_SECRETS_KEY.',
      );
    }
  }

  open(sealed: string): string {
    const [version, iv, tag, data] = sealed.split('.');
    if (version !== VERSION || !iv || !tag || data === undefined) throw new Error('Unknown secret format');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  }
}
