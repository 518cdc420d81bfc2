import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Every write of `runs.state` goes through the transition table: a statement that sets `state` finds
 * the run in `state = ANY($n)`, a list the repository builds with statesThatCanMoveTo…(), and spells
 * no state of its own in any condition. Read from the source, so a new write that bypasses the
 * table fails here before it can move a terminal run.
 */
const SOURCE_ROOT = join(__dirname, '..');
const STATE_LITERAL = /'(QUEUED|PENDING|CLAIMED|INPROGRESS|SUCCEEDED|FAILED|CANCELLED)'/;

interface Statement {
  file: string;
  sql: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return ['testing', 'migrations'].includes(entry.name) ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !/\.(e2e-)?spec\.ts$/.test(entry.name) ? [path] : [];
  });
}

/** Template literals and quoted strings holding an UPDATE of the runs table. */
function runUpdates(file: string, text: string): Statement[] {
  const literals = text.match(/`[^`]*`|'[^'\n]*'|"[^"\n]*"/g) ?? [];
  return literals.filter((sql) => /\bUPDATE\s+runs\b/i.test(sql)).map((sql) => ({ file: relative(SOURCE_ROOT, file), sql }));
}

/** The SET clause of the UPDATE (up to its FROM or WHERE), and the rest of the statement. */
function split(sql: string): { set: string; rest: string } {
  const start = sql.search(/\bSET\b/i);
  const afterSet = sql.slice(start);
  const end = afterSet.search(/\b(FROM|WHERE)\b/i);
  const set = end < 0 ? afterSet : afterSet.slice(0, end);
  return { set, rest: sql.slice(0, start) + (end < 0 ? '' : afterSet.slice(end)) };
}

/** Problems of one statement that sets `state`; none for a statement that leaves the state alone. */
function stateWriteProblems(sql: string): string[] {
  const { set, rest } = split(sql);
  if (!/\bstate\s*=/i.test(set)) return [];
  const problems: string[] = [];
  const conditions = [...rest.matchAll(/\b(?:\w+\.)?state\s*(=|<>|!=|\bIN\b)\s*([^\s,)]*)/gi)];
  const fromTable = (match: RegExpMatchArray) => match[1] === '=' && /^ANY\(\$\d+/i.test(match[2] ?? '');
  if (!conditions.some(fromTable)) problems.push('sets state without finding the run in `state = ANY($n)` from the transition table');
  for (const match of conditions) {
    if (!fromTable(match)) problems.push(`compares state other than by the table: "${match[0]}"`);
  }
  if (STATE_LITERAL.test(rest)) problems.push(`names a state in its conditions: ${STATE_LITERAL.exec(rest)?.[0]}`);
  return problems;
}

describe('run-state writes', () => {
  const files = sourceFiles(SOURCE_ROOT);
  const texts = files.map((file) => ({ file, text: readFileSync(file, 'utf8') }));
  const statements = texts.flatMap(({ file, text }) => runUpdates(file, text));
  const writes = statements.filter(({ sql }) => /\bSET\b[\s\S]*?\bstate\s*=/i.test(split(sql).set));

  it('finds the state writes it checks (the scan itself works)', () => {
    expect(writes.length).toBeGreaterThanOrEqual(10);
    expect([...new Set(writes.map((w) => w.file))]).toEqual(
      expect.arrayContaining(['runs/runs.repository.ts', 'execution/execution.repository.ts', 'workers/worker-runs.repository.ts']),
    );
  });

  it('takes every source state of every state write from the transition table', () => {
    const problems = writes.flatMap(({ file, sql }) => stateWriteProblems(sql).map((problem) => `${file}: ${problem}\n${sql}`));
    expect(problems).toEqual([]);
  });

  it('writes states only in files that build their conditions with statesThatCanMoveTo…()', () => {
    const writers = new Set(writes.map((w) => w.file));
    const unguarded = texts
      .filter(({ file }) => writers.has(relative(SOURCE_ROOT, file)))
      .filter(({ text }) => !/import \{[^}]*\bstatesThatCanMoveTo(OrStay)?\b[^}]*\} from '[^']*\/run-state'/.test(text));
    expect(unguarded.map(({ file }) => relative(SOURCE_ROOT, file))).toEqual([]);
  });

  it('never changes runs through TypeORM, whose updates could not be checked here', () => {
    const typeormWrites = texts.filter(({ text }) =>
      /\.update\(\s*RunEntity\b|getRepository\(\s*RunEntity\s*\)\s*\.\s*(update|save|upsert|increment|decrement)\b/.test(text),
    );
    expect(typeormWrites.map(({ file }) => relative(SOURCE_ROOT, file))).toEqual([]);
  });

  it.each([
    ['a hand-written source state', `UPDATE runs SET state = 'INPROGRESS' WHERE id = $1 AND state = 'CLAIMED'`],
    ['a hand-written list', `UPDATE runs SET state = $2 WHERE id = $1 AND state IN ('QUEUED','PENDING')`],
    ['no source state at all', `UPDATE runs SET state = 'FAILED', completed_at = now() WHERE id = $1`],
  ])('rejects a write with %s', (_, sql) => {
    expect(stateWriteProblems(sql)).not.toEqual([]);
  });

  it('accepts a write that finds its run through a CTE, and writes that leave the state alone', () => {
    expect(
      stateWriteProblems(`WITH lost AS (SELECT id FROM runs WHERE state = ANY($1) FOR UPDATE SKIP LOCKED)
        UPDATE runs r SET state = 'FAILED' FROM lost WHERE r.id = lost.id RETURNING r.id`),
    ).toEqual([]);
    expect(stateWriteProblems(`UPDATE runs SET output = $3 WHERE id = $1 AND state = 'INPROGRESS'`)).toEqual([]);
  });
});
