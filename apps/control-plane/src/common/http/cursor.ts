import { ApiException, isUuid } from '@oz/server-kit';

/** Position in a list ordered by (created_at DESC, id DESC). Opaque to clients: base64url JSON. */
export interface CursorPosition {
  createdAt: Date;
  id: string;
}

const CURSOR_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify({ t: position.createdAt.toISOString(), id: position.id })).toString('base64url');
}

export function decodeCursor(cursor: string): CursorPosition {
  const invalid = () => ApiException.badRequest('cursor is invalid: pass page_info.next_cursor from the previous page unchanged');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const { t, id } = (parsed ?? {}) as { t?: unknown; id?: unknown };
  // Exactly the form encodeCursor writes: JavaScript also parses years PostgreSQL cannot store.
  const createdAt = typeof t === 'string' && CURSOR_TIME.test(t) ? new Date(t) : new Date(NaN);
  if (!isUuid(id) || Number.isNaN(createdAt.getTime())) throw invalid();
  return { createdAt, id };
}
