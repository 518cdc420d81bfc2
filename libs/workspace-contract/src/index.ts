export * from './lib/mentions';
export * from './lib/events';
export * from './lib/event-ids';
export * from './lib/api-views';
export * from './lib/api-inputs';
export * from './lib/control-plane-views';
