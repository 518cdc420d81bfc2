import { TASK_STATUSES, type TaskStatus, type TaskView } from '@oz/workspace-contract';

export interface BoardColumn {
  status: TaskStatus;
  title: string;
  tasks: TaskView[];
}

export const COLUMN_TITLES: Record<TaskStatus, string> = { backlog: 'Backlog', in_progress: 'In progress', done: 'Done' };

/** The board's three columns, each by position (creation time breaks ties, as on the server). */
export function columnsOf(tasks: readonly TaskView[]): BoardColumn[] {
  return TASK_STATUSES.map((status) => ({
    status,
    title: COLUMN_TITLES[status],
    tasks: tasks.filter((t) => t.status === status).sort(byPosition),
  }));
}

function byPosition(a: TaskView, b: TaskView): number {
  return a.position - b.position || a.created_at.localeCompare(b.created_at);
}

/**
 * Puts `task` where it says it is (its status column, at its position; past the end means last) and
 * renumbers the columns it left and entered, as the server does when it moves a card. The server
 * announces only the moved card, so every client does the same renumbering.
 */
export function placeTask(tasks: readonly TaskView[], task: TaskView): TaskView[] {
  const previous = tasks.find((t) => t.id === task.id);
  const others = tasks.filter((t) => t.id !== task.id);
  const target = others.filter((t) => t.status === task.status).sort(byPosition);
  const index = Math.max(0, Math.min(task.position, target.length));
  target.splice(index, 0, task);
  const renumbered = new Map<string, TaskView>();
  target.forEach((t, position) => renumbered.set(t.id, t.position === position ? t : { ...t, position }));
  if (previous && previous.status !== task.status) {
    others
      .filter((t) => t.status === previous.status)
      .sort(byPosition)
      .forEach((t, position) => renumbered.set(t.id, t.position === position ? t : { ...t, position }));
  }
  const result = others.map((t) => renumbered.get(t.id) ?? t);
  result.push(renumbered.get(task.id) ?? task);
  return result;
}

/** Removes a card and closes the gap it leaves in its column. */
export function removeTask(tasks: readonly TaskView[], id: string): TaskView[] {
  const gone = tasks.find((t) => t.id === id);
  const rest = tasks.filter((t) => t.id !== id);
  if (!gone) return rest;
  const column = rest.filter((t) => t.status === gone.status).sort(byPosition);
  const positions = new Map(column.map((t, position) => [t.id, position]));
  return rest.map((t) => {
    const position = positions.get(t.id);
    return position !== undefined && position !== t.position ? { ...t, position } : t;
  });
}

export function nextStatus(status: TaskStatus, step: -1 | 1): TaskStatus | null {
  const index = TASK_STATUSES.indexOf(status) + step;
  return index >= 0 && index < TASK_STATUSES.length ? TASK_STATUSES[index] : null;
}
