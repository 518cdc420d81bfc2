import { ApiException } from '../errors/api-exception';

/** Position in a list ordered by (created_at DESC, id DESC). Opaque to clients: base64url JSON. */
export interface CursorPosition {
  createdAt: Date;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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
  const createdAt = typeof t === 'string' ? new Date(t) : new Date(NaN);
  if (typeof id !== 'string' || !UUID.test(id) || Number.isNaN(createdAt.getTime())) throw invalid();
  return { createdAt, id };
}
