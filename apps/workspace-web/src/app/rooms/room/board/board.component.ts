import { CdkDrag, CdkDragDrop, CdkDropList, CdkDropListGroup } from '@angular/cdk/drag-drop';
import { Dialog } from '@angular/cdk/dialog';
import { ChangeDetectionStrategy, Component, ElementRef, Injector, afterNextRender, inject, input, signal } from '@angular/core';
import type { TaskStatus, TaskView } from '@oz/workspace-contract';
import { errorMessage } from '../../../core/api/api-error';
import { Notices } from '../../../core/feedback/notices';
import { AgentAvatarComponent } from '../../../ui/agent-avatar.component';
import { COLUMN_TITLES, nextStatus } from '../board';
import { RoomStore } from '../room.store';
import { TaskEditorDialogComponent, type TaskEditorData } from './task-editor.dialog';

/**
 * The room's task board. Cards move by drag and drop, or from the keyboard: focus a card and press
 * Alt+← / Alt+→ to change column, Alt+↑ / Alt+↓ to reorder (the buttons on each card do the same).
 * Moves show at once, are announced, and go back with a message if the server refuses them.
 */
@Component({
  selector: 'oz-board',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [CdkDropListGroup, CdkDropList, CdkDrag, AgentAvatarComponent],
  templateUrl: './board.component.html',
  styleUrl: './board.component.css',
})
export class BoardComponent {
  readonly readOnly = input(false);
  protected readonly store = inject(RoomStore);
  private readonly notices = inject(Notices);
  private readonly dialog = inject(Dialog);
  private readonly host = inject<ElementRef<HTMLElement>>(ElementRef);
  private readonly injector = inject(Injector);
  protected readonly announcement = signal('');
  protected readonly adding = signal<TaskStatus | null>(null);
  protected readonly addError = signal<string | null>(null);
  protected readonly columnTitles = COLUMN_TITLES;

  protected drop(event: CdkDragDrop<TaskStatus, TaskStatus, TaskView>): void {
    const task = event.item.data;
    const status = event.container.data;
    if (event.previousContainer === event.container && event.previousIndex === event.currentIndex) return;
    this.move(task, status, event.currentIndex);
  }

  protected onCardKey(event: KeyboardEvent, task: TaskView, index: number, count: number): void {
    if (!event.altKey || this.readOnly()) return;
    let handled = true;
    switch (event.key) {
      case 'ArrowLeft':
      case 'ArrowRight': {
        const status = nextStatus(task.status, event.key === 'ArrowLeft' ? -1 : 1);
        if (status) this.move(task, status, Number.MAX_SAFE_INTEGER);
        break;
      }
      case 'ArrowUp':
        if (index > 0) this.move(task, task.status, index - 1);
        break;
      case 'ArrowDown':
        if (index < count - 1) this.move(task, task.status, index + 1);
        break;
      default:
        handled = false;
    }
    if (handled) event.preventDefault();
  }

  protected moveBy(task: TaskView, step: -1 | 1): void {
    const status = nextStatus(task.status, step);
    if (status) this.move(task, status, Number.MAX_SAFE_INTEGER);
  }

  protected reorder(task: TaskView, index: number): void {
    this.move(task, task.status, index);
  }

  protected nextTitle(task: TaskView, step: -1 | 1): string | null {
    const status = nextStatus(task.status, step);
    return status ? COLUMN_TITLES[status] : null;
  }

  private move(task: TaskView, status: TaskStatus, position: number): void {
    const promise = this.store.moveTask(task, status, position);
    const moved = this.store.tasks().find((t) => t.id === task.id);
    const column = this.store.columns().find((c) => c.status === status);
    if (moved && column) {
      this.announcement.set(`Moved “${task.title}” to ${COLUMN_TITLES[status]}, position ${moved.position + 1} of ${column.tasks.length}.`);
    }
    this.refocus(task.id);
    promise.catch((error: unknown) => {
      this.notices.error(`“${task.title}” went back to ${COLUMN_TITLES[task.status]}`, errorMessage(error));
      this.announcement.set(`The move of “${task.title}” failed; it is back in ${COLUMN_TITLES[task.status]}.`);
    });
  }

  /** Keeps keyboard focus on a card that moved to another column (a new element there). */
  private refocus(taskId: string): void {
    const hadFocus = this.host.nativeElement.contains(document.activeElement);
    if (!hadFocus) return;
    afterNextRender(() => this.host.nativeElement.querySelector<HTMLElement>(`[data-task-id="${CSS.escape(taskId)}"]`)?.focus(), {
      injector: this.injector,
    });
  }

  protected startAdding(status: TaskStatus): void {
    this.adding.set(status);
    this.addError.set(null);
    afterNextRender(() => this.host.nativeElement.querySelector<HTMLInputElement>(`#add-task-${status}`)?.focus(), { injector: this.injector });
  }

  protected async add(event: Event, status: TaskStatus): Promise<void> {
    event.preventDefault();
    const input = (event.target as HTMLFormElement).elements.namedItem('title') as HTMLInputElement;
    const title = input.value.trim();
    if (!title) {
      this.adding.set(null);
      return;
    }
    input.value = '';
    try {
      await this.store.createTask({ title, status });
      this.announcement.set(`Added “${title}” to ${COLUMN_TITLES[status]}.`);
    } catch (error) {
      input.value = title;
      this.addError.set(`“${title}” was not added: ${errorMessage(error)}`);
    }
  }

  protected cancelAdding(event: KeyboardEvent): void {
    if (event.key === 'Escape') this.adding.set(null);
  }

  protected edit(task: TaskView): void {
    this.dialog.open<void, TaskEditorData>(TaskEditorDialogComponent, {
      data: { task, store: this.store, readOnly: this.readOnly() },
      backdropClass: 'cdk-overlay-dark-backdrop',
    });
  }
}
