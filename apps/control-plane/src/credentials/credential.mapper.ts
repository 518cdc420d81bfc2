import { creatorUidOf } from '../common/auth/principal';
import type { Credential } from './credentials.repository';
import type { TenantKeyDto } from './dto/tenant-key.dto';
import type { WorkerTokenDto } from './dto/worker-token.dto';

/** Never the token: it was shown once, when issued. */
export function toTenantKey(credential: Credential): TenantKeyDto {
  return {
    id: credential.id,
    name: credential.name ?? '',
    tenant: creatorUidOf(credential.tokenHash),
    created_at: credential.createdAt.toISOString(),
    last_used_at: credential.lastUsedAt?.toISOString() ?? null,
  };
}

export function toWorkerToken(credential: Credential): WorkerTokenDto {
  return {
    id: credential.id,
    worker_id: credential.workerId ?? '',
    created_at: credential.createdAt.toISOString(),
    last_used_at: credential.lastUsedAt?.toISOString() ?? null,
  };
}
