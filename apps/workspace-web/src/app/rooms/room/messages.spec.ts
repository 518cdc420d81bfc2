import { message } from '../../../testing/fixtures';
import { applyDelta, prependPage, upsertMessage } from './messages';

describe('message merging', () => {
  const streaming = message({ id: 'r', status: 'streaming', content: 'Hello' });

  it('appends at the offset, and rewrites from an earlier offset', () => {
    expect(applyDelta([streaming], { message_id: 'r', run_id: 'x', offset: 5, delta: ' world' })[0].content).toBe('Hello world');
    expect(applyDelta([streaming], { message_id: 'r', run_id: 'x', offset: 4, delta: '!' })[0].content).toBe('Hell!');
  });

  it('ignores deltas already applied, past the end, for finished or unknown messages', () => {
    const list = [streaming];
    expect(applyDelta(list, { message_id: 'r', run_id: 'x', offset: 0, delta: 'Hel' })).toBe(list);
    expect(applyDelta(list, { message_id: 'r', run_id: 'x', offset: 9, delta: 'gap' })).toBe(list);
    const done = [{ ...streaming, status: 'complete' as const }];
    expect(applyDelta(done, { message_id: 'r', run_id: 'x', offset: 5, delta: '!' })).toBe(done);
    expect(applyDelta(list, { message_id: 'other', run_id: 'x', offset: 0, delta: 'x' })).toBe(list);
  });

  it('replaces a message where it stands, and adds new ones at the end', () => {
    const list = [message({ id: 'a' }), message({ id: 'b' })];
    expect(upsertMessage(list, message({ id: 'a', content: 'edited' })).map((m) => m.content)).toEqual(['edited', 'hello']);
    expect(upsertMessage(list, message({ id: 'c' })).map((m) => m.id)).toEqual(['a', 'b', 'c']);
  });

  it('puts older pages in front without repeating messages', () => {
    expect(prependPage([message({ id: 'b' }), message({ id: 'c' })], [message({ id: 'a' }), message({ id: 'b' })]).map((m) => m.id)).toEqual(['a', 'b', 'c']);
  });
});
