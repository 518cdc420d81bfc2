import { Injectable, computed, inject, signal } from '@angular/core';
import type { AgentInput, AgentView, RoomView } from '@oz/workspace-contract';
import { errorMessage } from '../core/api/api-error';
import { OptimisticState } from '../core/state/optimistic';
import { AgentsApi } from './agents.api';

/**
 * The user's agents. Where each is replying (`running_in_room_ids`) follows the room streams: a
 * `room` event carries every member's status in that room, which `applyRoom` folds in.
 */
@Injectable({ providedIn: 'root' })
export class AgentsStore {
  private readonly api = inject(AgentsApi);
  private readonly state = new OptimisticState<readonly AgentView[]>([]);
  private readonly loadedSignal = signal(false);
  private readonly errorSignal = signal<string | null>(null);
  private loading: Promise<void> | null = null;

  readonly agents = computed(() => [...this.state.value()].sort((a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' })));
  readonly loaded = this.loadedSignal.asReadonly();
  readonly error = this.errorSignal.asReadonly();

  load(): Promise<void> {
    this.loading ??= this.api
      .list()
      .then((agents) => {
        this.state.set(agents);
        this.loadedSignal.set(true);
        this.errorSignal.set(null);
      })
      .catch((error: unknown) => this.errorSignal.set(`Could not load your agents: ${errorMessage(error)}`))
      .finally(() => (this.loading = null));
    return this.loading;
  }

  byId(id: string): AgentView | undefined {
    return this.state.value().find((a) => a.id === id);
  }

  async create(input: AgentInput): Promise<AgentView> {
    const agent = await this.api.create(input);
    this.state.update((agents) => [...agents.filter((a) => a.id !== agent.id), agent]);
    return agent;
  }

  /** Shows the changes at once; they roll back if the server refuses. */
  update(id: string, changes: Partial<AgentInput>): Promise<AgentView> {
    return this.state.apply(
      (agents) => agents.map((a) => (a.id === id ? ({ ...a, ...changes } as AgentView) : a)),
      () => this.api.update(id, changes),
      (agents, saved) => agents.map((a) => (a.id === id ? saved : a)),
    );
  }

  delete(id: string): Promise<void> {
    const drop = (agents: readonly AgentView[]) => agents.filter((a) => a.id !== id);
    return this.state.apply(drop, () => this.api.delete(id), drop);
  }

  /** A room's view says which of its agents are replying there right now. */
  applyRoom(room: RoomView): void {
    const running = new Set(room.agents.filter((a) => a.status === 'running').map((a) => a.id));
    this.state.update((agents) =>
      agents.map((agent) => {
        const was = agent.running_in_room_ids.includes(room.id);
        const is = running.has(agent.id);
        if (was === is) return agent;
        const rooms = is ? [...agent.running_in_room_ids, room.id] : agent.running_in_room_ids.filter((id) => id !== room.id);
        return { ...agent, running_in_room_ids: rooms };
      }),
    );
  }

  clear(): void {
    this.state.set([]);
    this.loadedSignal.set(false);
  }
}
