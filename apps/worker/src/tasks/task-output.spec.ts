import { outputText } from './task-output';

describe('the output file as text', () => {
  it('drops trailing whitespace and keeps the rest', () => {
    expect(outputText(Buffer.from('  answer\n\n  with lines \t\n\n'))).toBe('  answer\n\n  with lines');
  });

  // Bug fixed: `replace(/\s+$/, '')` backtracks quadratically over whitespace that is not at the end;
  // a task writing a megabyte of spaces and one letter stalled the worker for minutes.
  it('takes linear time over a long run of whitespace inside the text', () => {
    const file = Buffer.from(`${' '.repeat(1_000_000)}x `);
    const started = Date.now();
    expect(outputText(file)).toHaveLength(1_000_001);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
