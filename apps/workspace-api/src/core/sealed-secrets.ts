import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ApiException, ConfigError, SecretBox } from '@oz/server-kit';
import { WORKSPACE_CONFIG, type WorkspaceConfig } from '../config/workspace.config';
import { Sql } from './sql';

const KEY_CHECK_VALUE = 'oz-stack workspace secrets key check';
const KEY_CHECK_CONTEXT = 'secrets_key_check';

/** Thrown when a secret has to be sealed or opened and the server has no OZ_SECRETS_KEY. */
export class SecretsUnavailable extends ApiException {
  constructor(what: string) {
    super(400, 'secrets_unavailable', `${what} are secrets, and this server cannot keep secrets: its OZ_SECRETS_KEY is not set`);
  }
}

/**
 * The workspace's secrets at rest, sealed with OZ_SECRETS_KEY (the shared SecretBox of server-kit:
 * AES-256-GCM, the row's context as associated data). At start-up it refuses a key other than the
 * one earlier secrets were sealed with, rather than failing on each secret later.
 */
@Injectable()
export class SealedSecrets implements OnApplicationBootstrap {
  private readonly logger = new Logger('secrets');
  private readonly box: SecretBox | null;
  private keyChecked: Promise<void> | null = null;

  constructor(
    @Inject(WORKSPACE_CONFIG) config: Pick<WorkspaceConfig, 'secretsKey'>,
    private readonly db: Sql,
  ) {
    this.box = config.secretsKey ? new SecretBox(config.secretsKey) : null;
  }

  get available(): boolean {
    return this.box !== null;
  }

  /** `what` names the secrets in the refusal when there is no key ("MCP server headers and env"). */
  seal(plaintext: string, context: string, what: string): string {
    if (!this.box) throw new SecretsUnavailable(what);
    return this.box.seal(plaintext, context);
  }

  open(sealed: string, context: string, what: string): string {
    if (!this.box) throw new SecretsUnavailable(what);
    return this.box.open(sealed, context);
  }

  onApplicationBootstrap(): Promise<void> {
    return this.verifyKey();
  }

  /** Once per process; whoever seals at start-up waits for it first. */
  verifyKey(): Promise<void> {
    this.keyChecked ??= this.checkKey();
    return this.keyChecked;
  }

  private async checkKey(): Promise<void> {
    if (!this.box) {
      this.logger.warn({}, 'secrets.no_key'); // agents can hold no secrets until OZ_SECRETS_KEY is set
      return;
    }
    await this.db.rows(`INSERT INTO secrets_key_check (id, sealed) VALUES (1, $1) ON CONFLICT (id) DO NOTHING`, [this.box.seal(KEY_CHECK_VALUE, KEY_CHECK_CONTEXT)]);
    const { sealed } = await this.db.one<{ sealed: string }>(`SELECT sealed FROM secrets_key_check WHERE id = 1`);
    let opened: string | null;
    try {
      opened = this.box.open(sealed, KEY_CHECK_CONTEXT);
    } catch {
      opened = null;
    }
    if (opened !== KEY_CHECK_VALUE) {
      throw new ConfigError(
        'OZ_SECRETS_KEY is not the key the workspace secrets in this database were sealed with: every one of them would be unreadable. Set the earlier key again.',
      );
    }
  }
}
