interface StoppableServer {
  stop(): Promise<void>;
}

// globalSetup and globalTeardown run in the same process but may each get their own copy of this
// module, so the handle travels on globalThis rather than in a module variable.
const KEY = Symbol.for('oz.testing.embeddedPostgres');

type WithTestServer = typeof globalThis & { [KEY]?: StoppableServer };

export function setTestServer(server: StoppableServer): void {
  (globalThis as WithTestServer)[KEY] = server;
}

export function takeTestServer(): StoppableServer | undefined {
  const server = (globalThis as WithTestServer)[KEY];
  delete (globalThis as WithTestServer)[KEY];
  return server;
}
