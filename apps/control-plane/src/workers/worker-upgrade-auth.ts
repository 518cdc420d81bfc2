import { isValidWorkerId, MAX_CONCURRENT_TASKS_PARAM, WORKER_ID_PARAM, WORKER_ID_RULE } from '@oz/contract';
import type { IncomingMessage } from 'node:http';
import { bearerTokenOf } from '../common/auth/bearer-auth.guard';
import type { CredentialsService } from '../credentials/credentials.service';

export type UpgradeDecision =
  | { ok: true; workerId: string; maxConcurrentTasks: number | null }
  | { ok: false; status: 400 | 401 | 403; reason: string };

/**
 * Decides a worker's WebSocket upgrade before it is accepted, so a refused worker gets an HTTP
 * status (and backs off) instead of a connection that opens and closes: a worker token (bound to
 * one `worker_id`, from OZ_WORKER_TOKENS or issued by the admin), the shared OZ_WORKER_TOKEN or the
 * admin key (any `worker_id`), and a well-formed `worker_id`. A worker token never connects as
 * another worker, so it cannot take that worker's pinned runs (`config.worker_host`).
 */
export class WorkerUpgradeAuth {
  constructor(private readonly credentials: CredentialsService) {}

  async decide(request: IncomingMessage): Promise<UpgradeDecision> {
    const token = bearerTokenOf(request.headers.authorization);
    if (!token) return { ok: false, status: 401, reason: 'Send Authorization: Bearer <worker token>' };
    const identity = await this.credentials.identify(token);
    if (identity.kind !== 'admin' && identity.kind !== 'worker') {
      return { ok: false, status: 403, reason: 'Only a worker token (or the admin key) may connect workers' };
    }
    const query = new URL(request.url ?? '/', 'http://worker').searchParams;
    const workerId = query.get(WORKER_ID_PARAM) ?? '';
    if (!isValidWorkerId(workerId)) return { ok: false, status: 400, reason: WORKER_ID_RULE };
    if (identity.kind === 'worker' && identity.workerId !== null && identity.workerId !== workerId) {
      return { ok: false, status: 403, reason: `This worker token belongs to worker ${identity.workerId}; it cannot connect as ${workerId}` };
    }
    const max = Number(query.get(MAX_CONCURRENT_TASKS_PARAM));
    return { ok: true, workerId, maxConcurrentTasks: Number.isInteger(max) && max > 0 ? max : null };
  }
}
