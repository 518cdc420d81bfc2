export * from './lib/mentions';
export * from './lib/events';
