export { createTestDatabase, type TestDatabase } from './lib/test-database';
export { queryOnce } from './lib/query-once';
export * from './lib/fake-providers';
export { isProcessAlive } from './lib/processes';
export * from './lib/server-process';
export * from './lib/built-server';
export * from './lib/docker-engine';
export * from './lib/run-polling';
export * from './lib/scripted-worker';
