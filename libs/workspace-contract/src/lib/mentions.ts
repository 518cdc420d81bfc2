/**
 * @mentions of agents by name, shared by the workspace API (which invokes the agents) and the
 * dashboard (which highlights them), so both always agree on what was mentioned.
 *
 * Rules: names are matched case-insensitively and may contain spaces; the longest name wins, so
 * `@Ann Marie` is not read as `@Ann`; the `@` must start the text or follow whitespace or punctuation
 * (`**@ann**`, `(@ann)` count, `mail@ann` does not); the name must not run on into a word character or
 * a hyphen, so `@Ann` does not match `@Ann-Marie` or `@Anna`.
 */

/** Characters that may come right before the `@` of a mention (besides whitespace and the start). */
const BOUNDARY_BEFORE = new Set('()[]{}<>"\'.,:;!?*_~`'.split(''));
/** Characters that may not come right after a matched name. */
const WORD_AFTER = /[A-Za-z0-9_-]/;

export interface MentionMatch {
  /** The candidate name as given (its canonical spelling), not as typed. */
  name: string;
  /** Index of the `@` in the text. */
  start: number;
  /** Index just past the name. */
  end: number;
}

export function findMentions(text: string, candidateNames: readonly string[]): MentionMatch[] {
  const names = uniqueIgnoringCase(candidateNames.map((n) => n.trim()).filter(Boolean)).sort((a, b) => b.length - a.length);
  if (!names.length || !text.includes('@')) return [];
  const lower = text.toLowerCase();
  const matches: MentionMatch[] = [];
  let index = 0;
  while ((index = text.indexOf('@', index)) !== -1) {
    const before = index === 0 ? '' : text[index - 1];
    if (before && !/\s/.test(before) && !BOUNDARY_BEFORE.has(before)) {
      index += 1;
      continue;
    }
    const name = names.find((candidate) => {
      if (!lower.startsWith(candidate.toLowerCase(), index + 1)) return false;
      const after = text[index + 1 + candidate.length];
      return after === undefined || !WORD_AFTER.test(after);
    });
    if (!name) {
      index += 1;
      continue;
    }
    const end = index + 1 + name.length;
    matches.push({ name, start: index, end });
    index = end;
  }
  return matches;
}

/** The names mentioned, each once, in order of first mention. */
export function mentionedNames(text: string, candidateNames: readonly string[]): string[] {
  return uniqueIgnoringCase(findMentions(text, candidateNames).map((m) => m.name));
}

function uniqueIgnoringCase(names: string[]): string[] {
  const seen = new Set<string>();
  return names.filter((name) => {
    const key = name.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
