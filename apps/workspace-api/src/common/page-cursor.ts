import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';

/**
 * Keyset paging of lists ordered newest first by (created_at, id): a cursor is the last item's
 * created_at in microseconds since the epoch (exact, unlike a JavaScript date) and its id, written
 * `<microseconds>.<uuid>`. Items written meanwhile never shift a page, unlike an offset.
 */
export interface PageCursor {
  micros: string;
  id: string;
}

const PAGE_CURSOR = /^(\d{1,18})\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export function parsePageCursor(cursor: string | undefined): PageCursor | null {
  const match = cursor ? PAGE_CURSOR.exec(cursor) : null;
  return match ? { micros: match[1], id: match[2] } : null;
}

/** SQL: a row's position (`alias.created_at` in microseconds), to build the next cursor from. */
export const POSITION = (alias: string) => `(extract(epoch FROM ${alias}.created_at) * 1000000)::bigint`;

/** SQL: the timestamp of a cursor's microseconds parameter. */
export const AT_MICROS = (param: string) => `(timestamptz 'epoch' + ${param}::bigint * interval '1 microsecond')`;

/** The `before` query field of a cursor-paged list. */
export function BeforeCursor(): PropertyDecorator {
  return (target, key) => {
    ApiPropertyOptional({ description: '`next_cursor` of the previous page: the items after it (older)' })(target, key);
    IsOptional()(target, key);
    Matches(PAGE_CURSOR, { message: 'before must be a cursor returned as next_cursor' })(target, key);
  };
}
