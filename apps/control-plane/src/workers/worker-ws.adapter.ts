import type { INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import { MAX_WORKER_MESSAGE_BYTES } from '@oz/contract';
import type { IncomingMessage } from 'node:http';
import type { WorkerUpgradeAuth } from './worker-upgrade-auth';

/** What a worker's upgrade request carries once it passed the check. */
export type VerifiedUpgrade = IncomingMessage & { worker?: { workerId: string; maxConcurrentTasks: number | null } };

/**
 * Nest's `ws` adapter, with every upgrade checked by WorkerUpgradeAuth first (a refused upgrade is
 * answered with its HTTP status and never becomes a WebSocket), and frames capped at
 * MAX_WORKER_MESSAGE_BYTES: `ws` closes a connection that sends a larger one with 1009, before
 * buffering it (its default would take 100 MiB).
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
      maxPayload: MAX_WORKER_MESSAGE_BYTES,
      // Asynchronous (issued tokens are looked up in the database); `ws` waits for `accept`.
      verifyClient: (info: { req: VerifiedUpgrade }, accept: (ok: boolean, status?: number, reason?: string) => void) => {
        this.auth.decide(info.req).then(
          (decision) => {
            if (decision.ok === false) return accept(false, decision.status, decision.reason);
            info.req.worker = { workerId: decision.workerId, maxConcurrentTasks: decision.maxConcurrentTasks };
            accept(true);
          },
          () => accept(false, 503, 'The credentials cannot be checked right now'),
        );
      },
    });
  }
}
