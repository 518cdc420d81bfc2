import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids in paths and bodies are checked before they reach SQL: PostgreSQL would answer a malformed uuid with an error, not "not found". */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/**
 * A name for one running instance of a server, written next to the work it holds (leases, worker
 * connections): the host and pid say where to look, the random suffix keeps two instances in one
 * process (tests) or a reused pid apart.
 */
export function newReplicaId(): string {
  return `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
}
