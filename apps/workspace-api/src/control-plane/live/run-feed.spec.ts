import type { RunItem, RunState } from '@oz/contract';
import { FEED_OVERLAP_MS, RunFeed, type FeedEvent } from './run-feed';

const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, seconds)).toISOString();

function run(id: string, state: RunState, updatedSecond: number, output: string | null = null, environmentId?: string): RunItem {
  return {
    run_id: id,
    task_id: id,
    title: id,
    prompt: 'p',
    state,
    created_at: at(0),
    updated_at: at(updatedSecond),
    started_at: null,
    source: 'API',
    agent_config: environmentId ? { environment_id: environmentId } : {},
    artifacts: [],
    conversation_id: null,
    creator: {},
    is_sandbox_running: false,
    scope: { type: 'User' },
    session_link: null,
    status_message: null,
    output,
    provider: null,
    attempts: 0,
  };
}

const summary = (events: FeedEvent[]) =>
  events.map((e) => (e.type === 'run' ? `run ${e.data.run_id} ${e.data.state}` : `output ${e.data.run_id} @${e.data.offset} ${JSON.stringify(e.data.delta)}`));

describe('RunFeed (what a user\'s channel is told about their runs)', () => {
  it('starts with the unfinished runs only, their output whole: the page has just read the rest', () => {
    const feed = new RunFeed();
    expect(feed.query()).toEqual({ limit: 100 });
    const events = feed.absorb([run('a', 'SUCCEEDED', 5, 'done'), run('b', 'INPROGRESS', 7, 'half')]);
    expect(summary(events)).toEqual(['run b INPROGRESS', 'output b @0 "half"']);
    expect(events.every((e) => e.type !== 'run' || e.data.output === null)).toBe(true);
  });

  it('then asks for what changed since the newest change it saw, less an overlap for late commits', () => {
    const feed = new RunFeed();
    feed.absorb([run('a', 'QUEUED', 10)]);
    expect(feed.query()).toEqual({ limit: 100, updated_after: new Date(Date.parse(at(10)) - FEED_OVERLAP_MS).toISOString() });
    expect(feed.position).toBe(at(10));
  });

  it('sends each change once, oldest first, and only what the output gained', () => {
    const feed = new RunFeed();
    feed.absorb([run('a', 'QUEUED', 1)]);
    expect(summary(feed.absorb([run('a', 'INPROGRESS', 2, 'Hel')]))).toEqual(['run a INPROGRESS', 'output a @0 "Hel"']);
    // The overlap brings back what was seen: nothing to send.
    expect(feed.absorb([run('a', 'INPROGRESS', 2, 'Hel')])).toEqual([]);
    expect(summary(feed.absorb([run('b', 'QUEUED', 4), run('a', 'INPROGRESS', 3, 'Hello')]))).toEqual([
      'run a INPROGRESS',
      'output a @3 "lo"',
      'run b QUEUED',
    ]);
    // A provider failed midway and another started over: the output is rewritten from 0.
    expect(summary(feed.absorb([run('a', 'INPROGRESS', 5, 'Bonjour')]))).toEqual(['run a INPROGRESS', 'output a @0 "Bonjour"']);
    expect(summary(feed.absorb([run('a', 'SUCCEEDED', 6, 'Bonjour!')]))).toEqual(['run a SUCCEEDED', 'output a @7 "!"']);
  });

  it('after a run appears finished in a later round, it is sent all the same: it is news to the page', () => {
    const feed = new RunFeed();
    feed.absorb([]);
    expect(summary(feed.absorb([run('fast', 'SUCCEEDED', 3, 'quick')]))).toEqual(['run fast SUCCEEDED', 'output fast @0 "quick"']);
  });

  it('carries on from another replica\'s position: everything after it is news', () => {
    const feed = new RunFeed(at(20));
    expect(feed.fresh).toBe(false);
    expect(feed.query().updated_after).toBe(new Date(Date.parse(at(20)) - FEED_OVERLAP_MS).toISOString());
    expect(summary(feed.absorb([run('a', 'FAILED', 21)]))).toEqual(['run a FAILED']);
  });

  it('reads the logs of worker runs while they run, once more as they end, and sends each line once', () => {
    const feed = new RunFeed();
    feed.absorb([run('w', 'CLAIMED', 1, null, 'env-1'), run('p', 'INPROGRESS', 1)]);
    expect(feed.logReads()).toEqual([{ runId: 'w', after: 0 }]);
    const line = (id: number) => ({ id, line: `line ${id}`, logged_at: at(1) });
    expect(feed.absorbLogs('w', [line(1), line(2)]).map((l) => l.id)).toEqual([1, 2]);
    expect(feed.absorbLogs('w', [line(2), line(3)]).map((l) => l.id)).toEqual([3]);
    feed.absorb([run('w', 'SUCCEEDED', 9, 'out', 'env-1')]);
    expect(feed.logReads()).toEqual([{ runId: 'w', after: 3 }]);
    feed.absorbLogs('w', [line(4)]);
    expect(feed.logReads()).toEqual([]);
  });

  it('forgets finished runs once the overlap has passed them', () => {
    const feed = new RunFeed();
    feed.absorb([run('old', 'QUEUED', 0)]);
    feed.absorb([run('old', 'SUCCEEDED', 1)]);
    feed.absorb([run('new', 'QUEUED', 1 + (2 * FEED_OVERLAP_MS) / 1000 + 1)]);
    // Seen again (a late overlap), the forgotten run is sent again rather than lost.
    expect(summary(feed.absorb([run('old', 'SUCCEEDED', 1)]))).toEqual(['run old SUCCEEDED']);
  });
});
