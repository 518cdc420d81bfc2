export * from './lib/runs';
export * from './lib/environments';
export * from './lib/schedules';
export * from './lib/errors';
export * from './lib/worker-protocol';
export * from './lib/task-api';
