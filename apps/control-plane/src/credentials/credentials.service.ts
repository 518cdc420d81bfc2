import { Inject, Injectable, Logger } from '@nestjs/common';
import { isTaskToken } from '@oz/contract';
import { ApiException, SecretDigest } from '@oz/server-kit';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { CredentialsRepository, type Credential, type CredentialKind } from './credentials.repository';

/** What a bearer token is, as far as this control plane is concerned. */
export type Identity =
  | { kind: 'admin' }
  /** `issued`: a tenant key the admin issued; otherwise any token under open tenancy. */
  | { kind: 'tenant'; tenantKey: string; issued: boolean }
  /** `workerId` null: the shared OZ_WORKER_TOKEN, which may connect as any worker. */
  | { kind: 'worker'; workerId: string | null }
  | { kind: 'revoked'; credential: CredentialKind }
  /** A run's task token (by its prefix): it opens the LLM gateway and its run's task reports only, checked there. */
  | { kind: 'task' }
  /** Under registered tenancy, a token nobody issued. */
  | { kind: 'unknown' };

/** An issued credential and its token, which is shown this once and stored only as its sha256. */
export interface IssuedCredential {
  credential: Credential;
  token: string;
}

/** How often one replica writes a credential's last_used_at: often enough to tell, rarely enough to cost nothing. */
const TOUCH_INTERVAL_MS = 60_000;

/**
 * Tenant keys and worker tokens: issuing, listing, revoking, and telling what a presented token is.
 * One lookup per request, no cache, so a revocation holds on every replica from the next request on.
 * Every comparison with a configured secret is constant-time; issued tokens are looked up by their
 * sha256, which tells nothing about them.
 */
@Injectable()
export class CredentialsService {
  private readonly logger = new Logger('credentials');
  private readonly adminKey: SecretDigest | null;
  private readonly sharedWorkerToken: SecretDigest | null;
  private readonly boundWorkerTokens: Array<{ workerId: string; digest: SecretDigest }>;
  /** OZ_TENANT_KEYS: tenants under any tenancy, by digest; and their tenant keys. */
  private readonly configuredTenants: SecretDigest[];
  private readonly configuredTenantKeys: ReadonlySet<string>;
  private readonly touched = new Map<string, number>();

  constructor(
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    private readonly credentials: CredentialsRepository,
  ) {
    this.adminKey = SecretDigest.of(config.adminApiKey);
    this.sharedWorkerToken = SecretDigest.of(config.workers.token);
    this.boundWorkerTokens = config.workers.boundTokens.map(({ workerId, token }) => ({ workerId, digest: new SecretDigest(token) }));
    this.configuredTenants = config.tenantKeys.map(({ token }) => new SecretDigest(token));
    this.configuredTenantKeys = new Set(config.tenantKeys.map(({ token }) => sha256(token)));
  }

  async identify(token: string): Promise<Identity> {
    if (this.adminKey?.matches(token)) return { kind: 'admin' };
    const configured = this.configuredWorker(token);
    if (configured) return configured;
    const tokenHash = sha256(token);
    if (this.isConfiguredTenant(token)) return { kind: 'tenant', tenantKey: tokenHash, issued: true };
    // Never a tenant, not even under open tenancy, and whether or not its run still holds it.
    if (isTaskToken(token)) return { kind: 'task' };
    const credential = await this.credentials.findByTokenHash(tokenHash);
    if (credential?.revokedAt) return { kind: 'revoked', credential: credential.kind };
    if (credential) {
      this.touch(credential);
      return credential.kind === 'tenant'
        ? { kind: 'tenant', tenantKey: tokenHash, issued: true }
        : { kind: 'worker', workerId: credential.workerId };
    }
    return this.config.tenancy === 'open' ? { kind: 'tenant', tenantKey: tokenHash, issued: false } : { kind: 'unknown' };
  }

  /**
   * Whether work may still start on behalf of a tenant (a schedule firing): not when its key was
   * revoked, nor, under registered tenancy, when no key was ever issued for it.
   */
  async tenantMayAct(tenantKey: string): Promise<boolean> {
    if (this.configuredTenantKeys.has(tenantKey)) return true;
    const credential = await this.credentials.findByTokenHash(tenantKey);
    if (credential) return credential.kind === 'tenant' && !credential.revokedAt;
    return this.config.tenancy === 'open';
  }

  /**
   * A new tenant key. `token` registers an existing token instead of generating one (a tenant of open
   * tenancy keeps its runs, environments and schedules: they are keyed by the token's sha256).
   */
  async issueTenantKey(name: string, token?: string): Promise<IssuedCredential> {
    const issued = await this.issue('tenant', token ?? newToken('oz_tenant_'), { name, workerId: null });
    this.logger.log({ credentialId: issued.credential.id, kind: 'tenant', imported: token !== undefined }, 'credential.issued');
    return issued;
  }

  async issueWorkerToken(workerId: string): Promise<IssuedCredential> {
    const issued = await this.issue('worker', newToken('oz_worker_'), { name: null, workerId });
    this.logger.log({ credentialId: issued.credential.id, kind: 'worker', workerId }, 'credential.issued');
    return issued;
  }

  list(kind: CredentialKind): Promise<Credential[]> {
    return this.credentials.listActive(kind);
  }

  async revoke(kind: CredentialKind, id: string): Promise<void> {
    if (!(await this.credentials.revoke(kind, id))) {
      throw ApiException.notFound(kind === 'tenant' ? 'Tenant key' : 'Worker token', id);
    }
    this.logger.log({ credentialId: id, kind }, 'credential.revoked');
  }

  private async issue(kind: CredentialKind, token: string, subject: { name: string | null; workerId: string | null }): Promise<IssuedCredential> {
    const inUse = () => ApiException.conflict('That token is already in use; send another one, or none to have one generated');
    // The admin key or a configured token cannot become another credential (an issued one cannot
    // either: the unique token hash refuses it below).
    if (this.adminKey?.matches(token) || this.configuredWorker(token) || this.isConfiguredTenant(token) || isTaskToken(token)) throw inUse();
    const credential = await this.credentials.insert({ id: randomUUID(), kind, tokenHash: sha256(token), ...subject });
    if (!credential) throw inUse();
    return { credential, token };
  }

  private configuredWorker(token: string): Identity | null {
    // Every configured token is compared, whichever matches: the time taken tells nothing.
    let workerId: string | null = null;
    for (const bound of this.boundWorkerTokens) if (bound.digest.matches(token)) workerId = bound.workerId;
    if (workerId) return { kind: 'worker', workerId };
    return this.sharedWorkerToken?.matches(token) ? { kind: 'worker', workerId: null } : null;
  }

  private isConfiguredTenant(token: string): boolean {
    let found = false;
    for (const digest of this.configuredTenants) if (digest.matches(token)) found = true;
    return found;
  }

  private touch(credential: Credential): void {
    const now = Date.now();
    if (now - (this.touched.get(credential.id) ?? 0) < TOUCH_INTERVAL_MS) return;
    this.touched.set(credential.id, now);
    this.credentials.touch(credential.id).catch((error: Error) => this.logger.warn({ err: error, credentialId: credential.id }, 'credential.touch_failed'));
  }
}

/** 32 random bytes, base64url, after a prefix saying what the token is (secret scanners and people both read it). */
function newToken(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
