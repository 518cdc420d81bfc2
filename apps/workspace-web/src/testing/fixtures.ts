import type { MessageView, RoomView, TaskView } from '@oz/workspace-contract';

const at = '2026-01-01T00:00:00.000Z';

export function room(overrides: Partial<RoomView> = {}): RoomView {
  return {
    id: 'r1',
    name: 'fraud',
    description: '',
    paused: false,
    share_id: null,
    agents: [{ id: 'a1', name: 'Rex', color: '#3B82F6', icon: 'robot', harness: 'custom', status: 'idle' }],
    created_at: at,
    updated_at: at,
    ...overrides,
  };
}

export function message(overrides: Partial<MessageView> = {}): MessageView {
  return {
    id: 'm1',
    room_id: 'r1',
    author_type: 'human',
    agent: null,
    content: 'hello',
    status: 'complete',
    run_id: null,
    created_at: at,
    updated_at: at,
    ...overrides,
  };
}

export function task(overrides: Partial<TaskView> = {}): TaskView {
  return {
    id: 't1',
    room_id: 'r1',
    title: 'Write tests',
    description: '',
    status: 'backlog',
    priority: 'medium',
    position: 0,
    assignee: null,
    created_by_agent: null,
    created_at: at,
    updated_at: at,
    ...overrides,
  };
}

/** A promise with its resolve/reject in hand, to settle requests when a test decides. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
