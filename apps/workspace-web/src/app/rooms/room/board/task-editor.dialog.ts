import { DIALOG_DATA, DialogRef } from '@angular/cdk/dialog';
import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { TASK_PRIORITIES, TASK_STATUSES, type TaskPriority, type TaskStatus, type TaskUpdate, type TaskView } from '@oz/workspace-contract';
import { ApiError, errorMessage } from '../../../core/api/api-error';
import { Confirm } from '../../../ui/confirm';
import { COLUMN_TITLES } from '../board';
import type { RoomStore } from '../room.store';

export interface TaskEditorData {
  task: TaskView;
  store: RoomStore;
  readOnly: boolean;
}

/** Edits a card: title, description, status, priority and assignee (an agent of the room); or deletes it. */
@Component({
  selector: 'oz-task-editor',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <form class="dialog" role="dialog" aria-modal="true" aria-labelledby="task-editor-title" (submit)="save($event)" novalidate>
      <h2 id="task-editor-title">{{ data.readOnly ? 'Task' : 'Edit task' }}</h2>
      @if (error(); as message) {
        <div class="banner error" role="alert">{{ message }}</div>
      }
      @if (gone()) {
        <div class="banner warning" role="status">This task was deleted meanwhile.</div>
      }
      <div class="field">
        <label for="task-title">Title</label>
        <input id="task-title" class="input" maxlength="300" [value]="title()" (input)="title.set(text($event))" [disabled]="data.readOnly"
          [attr.aria-invalid]="!!titleError()" aria-describedby="task-title-error" />
        @if (titleError(); as problem) {
          <p id="task-title-error" class="field-error">{{ problem }}</p>
        }
      </div>
      <div class="field">
        <label for="task-description">Description</label>
        <textarea id="task-description" class="textarea" rows="5" maxlength="20000" [value]="description()" (input)="description.set(text($event))"
          [disabled]="data.readOnly"></textarea>
      </div>
      <div class="row">
        <div class="field">
          <label for="task-status">Column</label>
          <select id="task-status" class="select" [value]="status()" (change)="status.set($any(text($event)))" [disabled]="data.readOnly">
            @for (s of statuses; track s) {
              <option [value]="s" [selected]="s === status()">{{ columnTitles[s] }}</option>
            }
          </select>
        </div>
        <div class="field">
          <label for="task-priority">Priority</label>
          <select id="task-priority" class="select" [value]="priority()" (change)="priority.set($any(text($event)))" [disabled]="data.readOnly">
            @for (p of priorities; track p) {
              <option [value]="p" [selected]="p === priority()">{{ p }}</option>
            }
          </select>
        </div>
        <div class="field">
          <label for="task-assignee">Assignee</label>
          <select id="task-assignee" class="select" [value]="assignee()" (change)="assignee.set(text($event))" [disabled]="data.readOnly"
            aria-describedby="task-assignee-hint">
            <option value="" [selected]="!assignee()">Unassigned</option>
            @for (agent of agents(); track agent.id) {
              <option [value]="agent.id" [selected]="agent.id === assignee()">{{ agent.name }}</option>
            }
          </select>
          <span id="task-assignee-hint" class="hint">Agents of this room.</span>
        </div>
      </div>
      <div class="dialog-actions">
        @if (!data.readOnly) {
          <button type="button" class="btn danger" (click)="remove()" [disabled]="busy() || gone()">Delete</button>
          <span class="spacer"></span>
        }
        <button type="button" class="btn" (click)="ref.close()">{{ data.readOnly ? 'Close' : 'Cancel' }}</button>
        @if (!data.readOnly) {
          <button type="submit" class="btn primary" [disabled]="busy() || gone()">{{ busy() ? 'Saving…' : 'Save' }}</button>
        }
      </div>
    </form>
  `,
  styles: `
    .row {
      display: grid;
      grid-template-columns: repeat(auto-fit, minmax(140px, 1fr));
      gap: 0 0.75rem;
    }
  `,
})
export class TaskEditorDialogComponent {
  protected readonly data = inject<TaskEditorData>(DIALOG_DATA);
  protected readonly ref = inject(DialogRef);
  private readonly confirm = inject(Confirm);
  protected readonly statuses = TASK_STATUSES;
  protected readonly priorities = TASK_PRIORITIES;
  protected readonly columnTitles = COLUMN_TITLES;
  protected readonly title = signal(this.data.task.title);
  protected readonly description = signal(this.data.task.description);
  protected readonly status = signal<TaskStatus>(this.data.task.status);
  protected readonly priority = signal<TaskPriority>(this.data.task.priority);
  protected readonly assignee = signal(this.data.task.assignee?.id ?? '');
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly titleError = signal<string | null>(null);
  protected readonly agents = computed(() => this.data.store.room()?.agents ?? []);
  protected readonly gone = computed(() => !this.data.store.tasks().some((t) => t.id === this.data.task.id));

  protected text(event: Event): string {
    return (event.target as HTMLInputElement).value;
  }

  protected async save(event: Event): Promise<void> {
    event.preventDefault();
    const task = this.data.store.tasks().find((t) => t.id === this.data.task.id) ?? this.data.task;
    const title = this.title().trim();
    if (!title) {
      this.titleError.set('A task needs a title.');
      return;
    }
    this.titleError.set(null);
    const changes: TaskUpdate = {};
    if (title !== task.title) changes.title = title;
    if (this.description() !== task.description) changes.description = this.description();
    if (this.priority() !== task.priority) changes.priority = this.priority();
    if (this.assignee() !== (task.assignee?.id ?? '')) changes.assignee_id = this.assignee() || null;
    if (this.status() !== task.status) changes.status = this.status();
    if (!Object.keys(changes).length) {
      this.ref.close();
      return;
    }
    this.busy.set(true);
    this.error.set(null);
    try {
      await this.data.store.editTask(task, changes);
      this.ref.close();
    } catch (error) {
      const field = error instanceof ApiError ? error.fieldMessage('title') : null;
      if (field) this.titleError.set(field);
      else this.error.set(`Not saved: ${errorMessage(error)}`);
    } finally {
      this.busy.set(false);
    }
  }

  protected async remove(): Promise<void> {
    const ok = await this.confirm.ask({
      title: 'Delete this task?',
      message: `“${this.data.task.title}” will be removed from the board for everyone in the room.`,
      confirmLabel: 'Delete task',
      danger: true,
    });
    if (!ok) return;
    this.busy.set(true);
    try {
      await this.data.store.deleteTask(this.data.task);
      this.ref.close();
    } catch (error) {
      this.error.set(`Not deleted: ${errorMessage(error)}`);
    } finally {
      this.busy.set(false);
    }
  }
}
