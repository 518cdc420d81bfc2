import { QueryFailedError } from 'typeorm';

/**
 * PostgreSQL's unique_violation: a concurrent or repeated write hit a unique index. Recognised from
 * TypeORM (QueryFailedError) and from node-postgres directly (statements sent to the pool).
 */
export function isUniqueViolation(error: unknown): boolean {
  const cause = error instanceof QueryFailedError ? error.driverError : error;
  return (cause as { code?: string } | null)?.code === '23505';
}
