import { QueryFailedError } from 'typeorm';

/** PostgreSQL's unique_violation: a concurrent or repeated write hit a unique index. */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof QueryFailedError && (error.driverError as { code?: string })?.code === '23505';
}
