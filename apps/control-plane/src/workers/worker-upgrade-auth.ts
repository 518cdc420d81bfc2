import { isValidWorkerId, MAX_CONCURRENT_TASKS_PARAM, WORKER_ID_PARAM, WORKER_ID_RULE } from '@oz/contract';
import { SecretDigest } from '@oz/server-kit';
import type { IncomingMessage } from 'node:http';
import { bearerTokenOf } from '../common/auth/bearer-auth.guard';
import type { ControlPlaneConfig } from '../config/control-plane.config';

export type UpgradeDecision =
  | { ok: true; workerId: string; maxConcurrentTasks: number | null }
  | { ok: false; status: 400 | 401 | 403; reason: string };

/**
 * Decides a worker's WebSocket upgrade before it is accepted, so a refused worker gets an HTTP
 * status (and backs off) instead of a connection that opens and closes: the admin key or
 * OZ_WORKER_TOKEN, and a well-formed `worker_id`.
 */
export class WorkerUpgradeAuth {
  private readonly adminKey: SecretDigest | null;
  private readonly workerToken: SecretDigest | null;

  constructor(config: ControlPlaneConfig) {
    this.adminKey = SecretDigest.of(config.adminApiKey);
    this.workerToken = SecretDigest.of(config.workers.token);
  }

  decide(request: IncomingMessage): UpgradeDecision {
    const token = bearerTokenOf(request.headers.authorization);
    if (!token) return { ok: false, status: 401, reason: 'Send Authorization: Bearer <admin key or OZ_WORKER_TOKEN>' };
    const adminMatch = this.adminKey?.matches(token) ?? false;
    const workerMatch = this.workerToken?.matches(token) ?? false;
    if (!adminMatch && !workerMatch) return { ok: false, status: 403, reason: 'Only the admin key or OZ_WORKER_TOKEN may connect workers' };
    const query = new URL(request.url ?? '/', 'http://worker').searchParams;
    const workerId = query.get(WORKER_ID_PARAM) ?? '';
    if (!isValidWorkerId(workerId)) return { ok: false, status: 400, reason: WORKER_ID_RULE };
    const max = Number(query.get(MAX_CONCURRENT_TASKS_PARAM));
    return { ok: true, workerId, maxConcurrentTasks: Number.isInteger(max) && max > 0 ? max : null };
  }
}
