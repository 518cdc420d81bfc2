import { EventCursor } from './event-cursor';

describe('EventCursor', () => {
  it('accepts ids in stream order and refuses duplicates and stragglers', () => {
    const cursor = new EventCursor();
    expect(cursor.accept('10-0')).toBe(true);
    expect(cursor.accept('10-0')).toBe(false); // duplicate (replayed after a reconnection)
    expect(cursor.accept('9-7')).toBe(false); // older than what was applied
    expect(cursor.accept('10-1')).toBe(true);
    expect(cursor.accept('11-0')).toBe(true);
    expect(cursor.position).toBe('11-0');
  });

  it('compares numerically, not as text', () => {
    const cursor = new EventCursor('9-0');
    expect(cursor.accept('10-0')).toBe(true);
    expect(cursor.accept('9-99')).toBe(false);
  });

  it('refuses frames without a valid id', () => {
    const cursor = new EventCursor();
    expect(cursor.accept(null)).toBe(false);
    expect(cursor.accept('not-an-id')).toBe(false);
    expect(cursor.position).toBeNull();
  });
});
