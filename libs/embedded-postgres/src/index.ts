export {
  startEmbeddedPostgres,
  type EmbeddedPostgres,
  type EmbeddedPostgresOptions,
} from './lib/embedded-postgres';
export { pickFreePort } from './lib/free-port';
