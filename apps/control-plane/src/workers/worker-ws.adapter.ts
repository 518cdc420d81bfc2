import type { INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { IncomingMessage } from 'node:http';
import type { WorkerUpgradeAuth } from './worker-upgrade-auth';

/** What a worker's upgrade request carries once it passed the check. */
export type VerifiedUpgrade = IncomingMessage & { worker?: { workerId: string; maxConcurrentTasks: number | null } };

/**
 * Nest's `ws` adapter, with every upgrade checked by WorkerUpgradeAuth first: a refused upgrade is
 * answered with its HTTP status and never becomes a WebSocket.
 */
export class WorkerWsAdapter extends WsAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly auth: WorkerUpgradeAuth,
  ) {
    super(app);
  }

  override create(port: number, options: Record<string, unknown> = {}) {
    return super.create(port, {
      ...options,
      verifyClient: (info: { req: VerifiedUpgrade }, accept: (ok: boolean, status?: number, reason?: string) => void) => {
        const decision = this.auth.decide(info.req);
        if (decision.ok === false) return accept(false, decision.status, decision.reason);
        info.req.worker = { workerId: decision.workerId, maxConcurrentTasks: decision.maxConcurrentTasks };
        accept(true);
      },
    });
  }
}
