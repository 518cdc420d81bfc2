import { MentionAutocomplete, matchNames, mentionAt } from './mention-autocomplete';

const NAMES = ['Rex', 'Ann Marie', 'Ann', 'Avery', 'bob'];

describe('mentionAt', () => {
  it('finds the mention being typed at the caret', () => {
    expect(mentionAt('hi @Re', 6)).toEqual({ start: 3, text: 'Re' });
    expect(mentionAt('@', 1)).toEqual({ start: 0, text: '' });
    expect(mentionAt('(@an', 4)).toEqual({ start: 1, text: 'an' });
  });

  it('opens nothing inside a word (an email), after a newline, or for a leading space', () => {
    expect(mentionAt('mail ann@example', 16)).toBeNull();
    expect(mentionAt('@Rex\nnext', 9)).toBeNull();
    expect(mentionAt('@ Rex', 5)).toBeNull();
    expect(mentionAt('no mention', 10)).toBeNull();
  });
});

describe('matchNames', () => {
  it('filters case-insensitively by substring, names starting with the query first', () => {
    expect(matchNames(NAMES, 'an')).toEqual(['Ann', 'Ann Marie']);
    expect(matchNames(NAMES, 'e')).toEqual(['Ann Marie', 'Avery', 'Rex']);
    expect(matchNames(NAMES, '')).toEqual(['Ann', 'Ann Marie', 'Avery', 'bob', 'Rex']);
  });
});

describe('MentionAutocomplete', () => {
  it('moves the highlight with ↓ and ↑, wrapping around', () => {
    const picker = new MentionAutocomplete();
    picker.update('@a', 2, NAMES);
    expect(picker.state?.options).toEqual(['Ann', 'Ann Marie', 'Avery']);
    expect(picker.state?.active).toBe(0);
    picker.key('ArrowDown', '@a');
    picker.key('ArrowDown', '@a');
    expect(picker.state?.active).toBe(2);
    picker.key('ArrowDown', '@a');
    expect(picker.state?.active).toBe(0);
    picker.key('ArrowUp', '@a');
    expect(picker.state?.active).toBe(2);
  });

  it('inserts "@Name " with Enter or Tab, replacing what was typed, caret after it', () => {
    const picker = new MentionAutocomplete();
    picker.update('ask @re about it', 7, NAMES);
    const enter = picker.key('Enter', 'ask @re about it');
    expect(enter).toEqual({ handled: true, state: null, value: 'ask @Rex about it', caret: 9 });

    picker.update('@ann m', 6, NAMES);
    const tab = picker.key('Tab', '@ann m');
    expect(tab).toMatchObject({ value: '@Ann Marie ', caret: 11 });
  });

  it('closes with Esc and stays closed for that mention until the caret leaves it', () => {
    const picker = new MentionAutocomplete();
    picker.update('@R', 2, NAMES);
    expect(picker.key('Escape', '@R')).toEqual({ handled: true, state: null });
    expect(picker.update('@Re', 3, NAMES)).toBeNull();
    expect(picker.update('@Re ', 4, ['Rex'])).toBeNull();
    picker.update('@Re x', 5, NAMES);
    expect(picker.update('@Re x @', 7, NAMES)?.options).toHaveLength(NAMES.length);
  });

  it('lets keys through when closed, so Enter sends the message', () => {
    const picker = new MentionAutocomplete();
    expect(picker.update('hello', 5, NAMES)).toBeNull();
    expect(picker.key('Enter', 'hello')).toEqual({ handled: false });
    picker.update('@zzz', 4, NAMES);
    expect(picker.state).toBeNull();
    expect(picker.key('ArrowDown', '@zzz')).toEqual({ handled: false });
  });

  it('keeps the highlighted name while the list narrows', () => {
    const picker = new MentionAutocomplete();
    picker.update('@a', 2, NAMES);
    picker.key('ArrowDown', '@a'); // Ann Marie
    expect(picker.update('@an', 3, NAMES)?.options[picker.state!.active]).toBe('Ann Marie');
  });
});
