import { findMentions, mentionedNames } from './mentions';

describe('mentions', () => {
  const agents = ['Ann', 'Ann Marie', 'Rex', 'code-bot'];

  it('matches names case-insensitively and returns the canonical spelling', () => {
    expect(mentionedNames('hey @ann and @REX', agents)).toEqual(['Ann', 'Rex']);
  });

  it('prefers the longest name, so names with spaces work', () => {
    expect(mentionedNames('@ann marie please', agents)).toEqual(['Ann Marie']);
    expect(findMentions('@Ann Marie', agents)).toEqual([{ name: 'Ann Marie', start: 0, end: 10 }]);
  });

  it('needs a boundary before the @ and no word character after the name', () => {
    expect(mentionedNames('mail@ann', agents)).toEqual([]);
    expect(mentionedNames('@Anna and @Ann-Marie and @ann_x and @ann1', agents)).toEqual([]);
    expect(mentionedNames('**@ann**, (@rex). "@code-bot"', agents)).toEqual(['Ann', 'Rex', 'code-bot']);
    expect(mentionedNames('@ann.', agents)).toEqual(['Ann']);
  });

  it('lists each name once, in order of first mention', () => {
    expect(mentionedNames('@rex @ann @rex @Ann', agents)).toEqual(['Rex', 'Ann']);
  });

  it('handles no candidates, no @ and empty text', () => {
    expect(mentionedNames('@ann', [])).toEqual([]);
    expect(mentionedNames('no mention', agents)).toEqual([]);
    expect(mentionedNames('', agents)).toEqual([]);
    expect(mentionedNames('@', agents)).toEqual([]);
  });

  it('ignores duplicate and blank candidates', () => {
    expect(mentionedNames('@ann', ['Ann', 'ann', ' ', ''])).toEqual(['Ann']);
  });

  it('resumes scanning after a match', () => {
    expect(findMentions('@rex@ann', agents)).toEqual([{ name: 'Rex', start: 0, end: 4 }]);
  });
});
