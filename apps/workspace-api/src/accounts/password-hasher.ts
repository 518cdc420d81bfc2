import { Inject, Injectable } from '@nestjs/common';
import { hash, verify } from '@node-rs/argon2';
import { ApiException } from '@oz/server-kit';
import { WORKSPACE_CONFIG, type WorkspaceConfig } from '../config/workspace.config';

/** How long a refused caller is told to wait: a password check takes tens of milliseconds. */
const BUSY_RETRY_SECONDS = 2;

/**
 * argon2id is slow and memory-hungry on purpose, so a burst of signups or logins could exhaust the
 * CPU and memory of a replica. At most OZ_PASSWORD_HASH_CONCURRENCY run at once; up to
 * OZ_PASSWORD_HASH_QUEUE more wait their turn in order; beyond that the caller gets 503 with
 * Retry-After (`PasswordChecksBusy`) at once instead of piling up.
 */
@Injectable()
export class PasswordHasher {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  /** Checked against when the email is unknown, so a login takes as long whether or not the account exists. */
  private decoy: Promise<string> | null = null;

  constructor(@Inject(WORKSPACE_CONFIG) private readonly config: Pick<WorkspaceConfig, 'passwords'>) {}

  hash(password: string): Promise<string> {
    return this.slot(() => hash(password));
  }

  /** Whether `password` matches `passwordHash`; with no hash (no such account), checked against a decoy and false. */
  async verify(passwordHash: string | null, password: string): Promise<boolean> {
    if (passwordHash) return this.slot(() => verify(passwordHash, password));
    this.decoy ??= this.slot(() => hash('not anybody’s password')).catch((error: unknown) => {
      this.decoy = null;
      throw error;
    });
    const decoy = await this.decoy;
    await this.slot(() => verify(decoy, password));
    return false;
  }

  /** Runs `work` when a slot is free; refuses at once when the line is full. */
  async slot<T>(work: () => Promise<T>): Promise<T> {
    if (this.running < this.config.passwords.concurrency) {
      this.running += 1;
    } else if (this.waiting.length < this.config.passwords.queue) {
      // The slot is handed over by the one that frees it, so `running` stays as it is.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      throw new PasswordChecksBusy();
    }
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}

export class PasswordChecksBusy extends ApiException {
  constructor() {
    super(503, 'server_busy', 'Too many signups and logins at once; try again in a moment', undefined, BUSY_RETRY_SECONDS);
  }
}
