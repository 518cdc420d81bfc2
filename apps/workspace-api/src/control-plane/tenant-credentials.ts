import { Injectable, Logger } from '@nestjs/common';
import { ApiException } from '@oz/server-kit';
import { randomBytes } from 'node:crypto';
import { SealedSecrets } from '../core/sealed-secrets';
import { ControlPlaneClient, ControlPlaneRefusal } from './control-plane-client';
import { ControlPlaneTenantsRepository } from './control-plane-tenants.repository';

/** Who the control plane sees when the workspace calls it for a user. Never leaves the server. */
export interface Caller {
  userId: string;
  /** The instance admin: calls with the admin key (OZ_API_KEY), so sees every tenant's runs, workers and providers. */
  admin: boolean;
  /** The bearer token: the user's own tenant token, or the admin key. */
  token: string;
}

/** Associated data of a sealed tenant token: which table, which field, which user. */
const sealContext = (userId: string) => `control_plane_tenants.token:${userId}`;
const WHAT = 'Control-plane credentials';

/** How long a resolved caller is reused (the admin flag and the token change rarely; a restart forgets). */
const CALLER_TTL_MS = 30_000;
const MAX_CACHED_CALLERS = 10_000;

/**
 * Each workspace user's control-plane tenant. A user's first call generates their token (32 random
 * bytes), stores it sealed with OZ_SECRETS_KEY, and uses it as their bearer token, so the control
 * plane keeps their runs, environments and schedules apart from everyone else's (it keys tenants by
 * the token's sha256). Under open tenancy that is all; under registered tenancy the control plane
 * answers 401 to a token nobody issued, and the token is then registered through the admin route
 * (`POST /admin/tenant-keys {name, token}`) with OZ_API_KEY, once, before the call is retried.
 * Registering on demand rather than up front works with both tenancies, needs the admin key only
 * where it matters, and keeps a user's runs when an instance moves from open to registered tenancy.
 */
@Injectable()
export class TenantCredentials {
  private readonly logger = new Logger('control-plane');
  private readonly callers = new Map<string, { caller: Caller; at: number }>();

  constructor(
    private readonly vault: SealedSecrets,
    private readonly tenants: ControlPlaneTenantsRepository,
    private readonly client: ControlPlaneClient,
  ) {}

  /** Why tenant tokens cannot be kept (no OZ_SECRETS_KEY), in words; null when they can. */
  get problem(): string | null {
    return this.vault.available ? null : 'OZ_SECRETS_KEY is not set: the workspace keeps each user\'s control-plane credentials encrypted with it (`openssl rand -base64 32`)';
  }

  /** The instance admin: the first account (users.is_admin). */
  isAdmin(userId: string): Promise<boolean> {
    return this.tenants.isAdmin(userId);
  }

  async callerFor(userId: string): Promise<Caller> {
    const cached = this.callers.get(userId);
    if (cached && Date.now() - cached.at < CALLER_TTL_MS) return cached.caller;
    const caller = await this.resolve(userId);
    if (this.callers.size >= MAX_CACHED_CALLERS) this.callers.delete(this.callers.keys().next().value as string);
    this.callers.set(userId, { caller, at: Date.now() });
    return caller;
  }

  /**
   * Tells the control plane about the user's token (registered tenancy). A 409 means it knows it
   * already: another request or replica registered it first.
   */
  async register(caller: Caller): Promise<void> {
    const { adminKey } = this.client.settings!;
    const row = await this.tenants.find(caller.userId);
    try {
      const issued = await this.client.json<{ id?: string }>(adminKey, 'POST', '/admin/tenant-keys', {
        body: { name: `workspace: ${row?.email ?? caller.userId}`.slice(0, 100), token: caller.token },
      });
      await this.tenants.markRegistered(caller.userId, issued?.id ?? null);
      this.logger.log({ userId: caller.userId }, 'tenant.registered');
    } catch (error) {
      if (error instanceof ControlPlaneRefusal && error.status === 409) {
        await this.tenants.markRegistered(caller.userId, null);
        return;
      }
      if (error instanceof ControlPlaneRefusal && (error.status === 401 || error.status === 403 || error.status === 404)) {
        throw new ApiException(
          502,
          'control_plane_tenant_unregistered',
          error.status === 404
            ? 'The control plane refuses this account\'s tenant token and offers no way to register it (no /admin/tenant-keys)'
            : 'The control plane only accepts tenant keys its admin issued, and OZ_API_KEY is not its admin key, so this account\'s tenant cannot be registered',
        );
      }
      throw error;
    }
  }

  private async resolve(userId: string): Promise<Caller> {
    const row = await this.tenants.find(userId);
    if (!row) throw new ApiException(401, 'authentication_required', 'Log in first: this account no longer exists');
    if (row.is_admin) return { userId, admin: true, token: this.client.settings!.adminKey };
    if (this.problem) throw new ApiException(503, 'control_plane_credentials_unavailable', this.problem);
    if (row.token_sealed) return { userId, admin: false, token: this.open(row.token_sealed, userId) };
    // 32 random bytes; the prefix says what it is to people and secret scanners.
    const token = `oz_ws_${randomBytes(32).toString('base64url')}`;
    await this.vault.verifyKey();
    await this.tenants.insert(userId, this.vault.seal(token, sealContext(userId), WHAT));
    // Another request may have stored its own token first: use whichever is stored.
    const stored = await this.tenants.find(userId);
    if (!stored?.token_sealed) throw new Error(`the control-plane tenant of user ${userId} was not stored`);
    this.logger.log({ userId }, 'tenant.created');
    return { userId, admin: false, token: this.open(stored.token_sealed, userId) };
  }

  private open(sealed: string, userId: string): string {
    try {
      return this.vault.open(sealed, sealContext(userId), WHAT);
    } catch {
      this.logger.error({ userId }, 'tenant.token_unreadable');
      throw new ApiException(
        503,
        'control_plane_credentials_unreadable',
        'This account\'s control-plane credentials cannot be decrypted: OZ_SECRETS_KEY is not the key they were stored with',
      );
    }
  }

}
