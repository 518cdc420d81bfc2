import { findMentions } from '@oz/workspace-contract';

/**
 * The @mention picker's logic, apart from the DOM: what is being typed, which agents fit, which one
 * is highlighted, and what the text becomes when one is picked. Whether an `@` can start a mention is
 * asked of the shared parser (`@oz/workspace-contract`), so the picker opens exactly where the server
 * would see a mention: at the start, after whitespace or punctuation — not in `mail@example`.
 */

/** True when the shared parser would read a name right after this `@` as a mention. */
function canStartMention(text: string, at: number): boolean {
  return findMentions(`${text.slice(0, at)}@x`, ['x']).some((match) => match.start === at);
}
/** Longest stretch after `@` still treated as a name being typed (agent names are at most 64). */
const MAX_QUERY = 64;

export interface MentionQuery {
  /** Index of the `@`. */
  start: number;
  /** What follows the `@` up to the caret. */
  text: string;
}

/** The mention being typed at `caret`, if any. */
export function mentionAt(value: string, caret: number): MentionQuery | null {
  const before = value.slice(0, caret);
  const at = before.lastIndexOf('@');
  if (at === -1) return null;
  const query = before.slice(at + 1);
  if (query.length > MAX_QUERY || /[\n\r]/.test(query) || /^\s/.test(query)) return null;
  if (!canStartMention(value, at)) return null;
  return { start: at, text: query };
}

/** Names containing the query (case-insensitive), those starting with it first, then alphabetical. */
export function matchNames(names: readonly string[], query: string): string[] {
  const q = query.toLowerCase();
  return names
    .filter((name) => name.toLowerCase().includes(q))
    .sort((a, b) => {
      const aStarts = a.toLowerCase().startsWith(q) ? 0 : 1;
      const bStarts = b.toLowerCase().startsWith(q) ? 0 : 1;
      return aStarts - bStarts || a.localeCompare(b, undefined, { sensitivity: 'base' });
    });
}

export interface MentionState {
  query: MentionQuery;
  options: string[];
  active: number;
}

export type MentionKeyResult =
  /** Not the picker's key: let it through (Enter then sends the message). */
  | { handled: false }
  /** The picker used it (moved the highlight or closed). */
  | { handled: true; state: MentionState | null }
  /** A name was picked: the new text and caret. */
  | { handled: true; state: null; value: string; caret: number };

export class MentionAutocomplete {
  private current: MentionState | null = null;
  /** A query the person closed with Esc stays closed until they type elsewhere. */
  private dismissedAt: number | null = null;

  get state(): MentionState | null {
    return this.current;
  }

  /** Recomputes after the text or caret moved. */
  update(value: string, caret: number, names: readonly string[]): MentionState | null {
    const query = mentionAt(value, caret);
    if (!query || query.start === this.dismissedAt) {
      if (!query) this.dismissedAt = null;
      this.current = null;
      return null;
    }
    const options = matchNames(names, query.text);
    if (!options.length) {
      this.current = null;
      return null;
    }
    const previous = this.current?.options[this.current.active];
    const keep = previous ? options.indexOf(previous) : -1;
    this.current = { query, options, active: keep >= 0 ? keep : 0 };
    return this.current;
  }

  /** ↑/↓ move (wrapping), Enter/Tab pick, Esc closes; other keys are not the picker's. */
  key(key: string, value: string): MentionKeyResult {
    const state = this.current;
    if (!state) return { handled: false };
    switch (key) {
      case 'ArrowDown':
        this.current = { ...state, active: (state.active + 1) % state.options.length };
        return { handled: true, state: this.current };
      case 'ArrowUp':
        this.current = { ...state, active: (state.active - 1 + state.options.length) % state.options.length };
        return { handled: true, state: this.current };
      case 'Enter':
      case 'Tab':
        return { handled: true, state: null, ...this.pick(state.options[state.active], value) };
      case 'Escape':
        this.dismissedAt = state.query.start;
        this.current = null;
        return { handled: true, state: null };
      default:
        return { handled: false };
    }
  }

  /** Replaces `@query` with `@Name ` and puts the caret after it. */
  pick(name: string, value: string): { value: string; caret: number } {
    const state = this.current;
    this.current = null;
    if (!state) return { value, caret: value.length };
    const end = state.query.start + 1 + state.query.text.length;
    const rest = value.slice(end);
    const insert = `@${name}${rest.startsWith(' ') ? '' : ' '}`;
    const next = value.slice(0, state.query.start) + insert + rest;
    return { value: next, caret: state.query.start + insert.length + (rest.startsWith(' ') ? 1 : 0) };
  }

  close(): void {
    this.current = null;
  }
}
