import { TestBed } from '@angular/core/testing';
import type { RunItem, RunListResponse } from '@oz/contract';
import { ControlPlaneApi } from '../control-plane/control-plane.api';
import { UserEvents } from '../control-plane/user-events';
import { NO_FILTERS, RunsStore, queryOf } from './runs.store';

const run = (id: string, state: RunItem['state'] = 'QUEUED'): RunItem =>
  ({ run_id: id, task_id: id, title: id, prompt: id, state, created_at: '', updated_at: '', started_at: null, agent_config: {}, artifacts: [], output: null }) as unknown as RunItem;
const page = (runs: RunItem[], next?: string): RunListResponse => ({ runs, page_info: { has_next_page: !!next, next_cursor: next } });

describe('RunsStore', () => {
  let api: { runs: jest.Mock };
  let handlers: Map<string, (data: unknown) => void>;
  let store: RunsStore;

  beforeEach(() => {
    api = { runs: jest.fn() };
    handlers = new Map();
    const events = { on: (type: string, handler: (data: unknown) => void) => handlers.set(type, handler), onResync: jest.fn() };
    TestBed.configureTestingModule({ providers: [RunsStore, { provide: ControlPlaneApi, useValue: api }, { provide: UserEvents, useValue: events }] });
    store = TestBed.inject(RunsStore);
  });

  afterEach(() => TestBed.resetTestingModule());

  it('pages forward with the cursor and back through the cursors it has seen', async () => {
    api.runs.mockResolvedValueOnce(page([run('r1')], 'c2')).mockResolvedValueOnce(page([run('r2')], 'c3')).mockResolvedValueOnce(page([run('r1')], 'c2'));
    await store.show({ ...NO_FILTERS, state: ['FAILED'] });
    expect(api.runs.mock.calls[0][0]).toEqual({ limit: 25, state: ['FAILED'] });
    await store.next();
    expect(api.runs.mock.calls[1][0]).toEqual({ limit: 25, state: ['FAILED'], cursor: 'c2' });
    expect(store.pageNumber()).toBe(2);
    expect(store.hasPrevious()).toBe(true);
    await store.previous();
    expect(api.runs.mock.calls[2][0]).toEqual({ limit: 25, state: ['FAILED'] });
    expect(store.pageNumber()).toBe(1);
    expect(store.runs().map((r) => r.run_id)).toEqual(['r1']);
  });

  it('changes a listed run\'s state live and adds new runs to the first page when they match the filter', async () => {
    api.runs.mockResolvedValue(page([run('r1')]));
    await store.show({ ...NO_FILTERS, state: ['QUEUED', 'INPROGRESS'] });
    handlers.get('run')!(run('r1', 'INPROGRESS'));
    expect(store.runs()[0].state).toBe('INPROGRESS');
    handlers.get('run')!(run('r2', 'QUEUED'));
    handlers.get('run')!(run('r3', 'FAILED'));
    expect(store.runs().map((r) => r.run_id)).toEqual(['r2', 'r1']);
  });

  it('says why runs could not load', async () => {
    api.runs.mockRejectedValue(new Error('control plane down'));
    await store.show(NO_FILTERS);
    expect(store.error()).toBe('Could not load runs: control plane down');
  });

  it('builds the SDK query from the filters', () => {
    expect(queryOf({ ...NO_FILTERS, q: ' deploy ', created_after: '2026-01-02T03:04', schedule_id: 's1' }, 'c9')).toEqual({
      limit: 25,
      cursor: 'c9',
      q: 'deploy',
      created_after: new Date('2026-01-02T03:04').toISOString(),
      schedule_id: 's1',
    });
  });
});
