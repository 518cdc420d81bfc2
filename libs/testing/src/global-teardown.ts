import { takeTestServer } from './lib/test-server-handle';

/** Jest globalTeardown: stops the embedded server global-setup started, if it started one. */
export default async function globalTeardown(): Promise<void> {
  await takeTestServer()?.stop();
}
