/**
 * The e2e stack for trying the dashboard by hand: `npx nx stack workspace-web-e2e` (needs
 * DATABASE_URL with a role that may CREATE DATABASE, or starts an embedded PostgreSQL). Prints the
 * URL; Ctrl-C stops everything. The fake provider answers every agent by echoing, in pieces.
 */
// Jest's global set-up, reused: a PostgreSQL server (DATABASE_URL, or an embedded one).
// eslint-disable-next-line @nx/enforce-module-boundaries
import globalSetup from '../../../../libs/testing/src/global-setup';
// eslint-disable-next-line @nx/enforce-module-boundaries
import globalTeardown from '../../../../libs/testing/src/global-teardown';
import { startStack } from './stack';

async function main(): Promise<void> {
  await globalSetup();
  const stack = await startStack();
  stack.llm.script((request) => ({
    kind: 'answer',
    chunks: `Here is what I think about “${request.prompt.slice(-80)}”: **it works**.\n\n\`\`\`ts\nconsole.log('hello');\n\`\`\``.match(/.{1,12}/gs) ?? [],
    chunkDelayMs: 120,
  }));
  console.log(`Oz Stack dashboard: ${stack.webUrl}  (control plane ${stack.controlPlaneUrl ?? 'none: local mode'})`);
  const shutdown = async () => {
    await stack.stop();
    await globalTeardown();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
