export * from './lib/oz-contract';
