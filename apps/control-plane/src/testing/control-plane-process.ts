import { assertBuilt, startBuiltApp, type Exit } from '@oz/testing';
import type { ChildProcess } from 'node:child_process';

export { freePort, waitForHealth, type Exit } from '@oz/testing';

/** The built server, run as operators run it: `node dist/apps/control-plane/main.js [migrate]`. */
/** Starts main.js with exactly `env` (plus PATH), collecting its output. */
export function startControlPlaneProcess(args: string[], env: Record<string, string>): { child: ChildProcess; exit: Promise<Exit>; output: () => string } {
  return startBuiltApp('control-plane', args, env);
}

/** main.js must be there: the e2e target builds it first (Nx), so the tests run the current code. */
export function buildControlPlane(): void {
  assertBuilt('control-plane');
}
