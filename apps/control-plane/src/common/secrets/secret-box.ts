import { Inject, Injectable } from '@nestjs/common';
import { SecretBox as SharedSecretBox } from '@oz/server-kit';
import type { DataSource } from 'typeorm';
import { CONTROL_PLANE_CONFIG, ConfigError, type ControlPlaneConfig } from '../../config/control-plane.config';

const KEY_CHECK_VALUE = 'oz-stack secrets key check';
const KEY_CHECK_CONTEXT = 'secrets_key_check';

/**
 * The control plane's secret box: @oz/server-kit's (AES-256-GCM, `v2.<iv>.<tag>.<ciphertext>`, each
 * value sealed for a context naming its row and field as associated data, the full 16-byte tag
 * required) with this app's key. The control plane sealed `v1.` values (no associated data) before
 * contexts existed, so it still opens them; SecretsUpgrade seals them again at start-up.
 */
@Injectable()
export class SecretBox {
  private readonly box: SharedSecretBox;

  constructor(@Inject(CONTROL_PLANE_CONFIG) config: Pick<ControlPlaneConfig, 'secretsKey'>) {
    this.box = new SharedSecretBox(config.secretsKey, { acceptLegacy: true });
  }

  seal(plaintext: string, context: string): string {
    return this.box.seal(plaintext, context);
  }

  /** Throws on another key, another context, a short tag or any change to the sealed text. */
  open(sealed: string, context: string): string {
    return this.box.open(sealed, context);
  }

  /** Sealed in the current format (a legacy value opens, but should be sealed again). */
  isCurrent(sealed: string): boolean {
    return this.box.isCurrent(sealed);
  }

  /**
   * Refuses to run with a different key than the one the stored secrets were sealed with (say, after
   * OZ_ADMIN_API_KEY changed while the key was derived from it): every secret would be unreadable.
   */
  async verifyKey(dataSource: DataSource): Promise<void> {
    await dataSource.query(`INSERT INTO secrets_key_check (id, sealed) VALUES (1, $1) ON CONFLICT DO NOTHING`, [
      this.seal(KEY_CHECK_VALUE, KEY_CHECK_CONTEXT),
    ]);
    const [{ sealed }] = await dataSource.query(`SELECT sealed FROM secrets_key_check WHERE id = 1`);
    let opened: string | null = null;
    try {
      opened = this.open(sealed, KEY_CHECK_CONTEXT);
    } catch {
      opened = null;
    }
    if (opened !== KEY_CHECK_VALUE) {
      throw new ConfigError(
        'The secrets key (OZ_SECRETS_KEY, or the key derived from OZ_ADMIN_API_KEY when it is unset) is not the key ' +
          'the stored environment secrets were encrypted with. Restore the previous key and set it as OZ_SECRETS_KEY.',
      );
    }
    if (!this.isCurrent(sealed)) {
      await dataSource.query(`UPDATE secrets_key_check SET sealed = $1 WHERE id = 1 AND sealed = $2`, [
        this.seal(KEY_CHECK_VALUE, KEY_CHECK_CONTEXT),
        sealed,
      ]);
    }
  }
}

/** The associated data of a sealed field: which table, which field, which row. */
export function secretContext(table: 'environments' | 'runs' | 'schedules', field: string, id: string): string {
  return `${table}.${field}:${id}`;
}
