import { task } from '../../../testing/fixtures';
import { columnsOf, nextStatus, placeTask, removeTask } from './board';

const ids = (tasks: ReturnType<typeof placeTask>) =>
  Object.fromEntries(columnsOf(tasks).map((c) => [c.status, c.tasks.map((t) => `${t.id}@${t.position}`)]));

describe('the board', () => {
  const board = [
    task({ id: 'a', position: 0 }),
    task({ id: 'b', position: 1 }),
    task({ id: 'c', position: 2 }),
    task({ id: 'x', status: 'done', position: 0 }),
  ];

  it('moves a card into another column at a position, renumbering both columns as the server does', () => {
    const moved = placeTask(board, { ...board[1], status: 'done', position: 0 });
    expect(ids(moved)).toEqual({ backlog: ['a@0', 'c@1'], in_progress: [], done: ['b@0', 'x@1'] });
  });

  it('reorders within a column', () => {
    expect(ids(placeTask(board, { ...board[0], position: 2 }))).toEqual({ backlog: ['b@0', 'c@1', 'a@2'], in_progress: [], done: ['x@0'] });
  });

  it('treats a position past the end as last, and places a new card', () => {
    expect(ids(placeTask(board, task({ id: 'n', status: 'done', position: 99 })))).toEqual({ backlog: ['a@0', 'b@1', 'c@2'], in_progress: [], done: ['x@0', 'n@1'] });
  });

  it('closes the gap a removed card leaves', () => {
    expect(ids(removeTask(board, 'a'))).toEqual({ backlog: ['b@0', 'c@1'], in_progress: [], done: ['x@0'] });
  });

  it('knows the neighbouring columns', () => {
    expect(nextStatus('backlog', 1)).toBe('in_progress');
    expect(nextStatus('backlog', -1)).toBeNull();
    expect(nextStatus('done', 1)).toBeNull();
  });
});
