import { Injectable, inject } from '@angular/core';
import type { AgentInput, AgentView } from '@oz/workspace-contract';
import { ApiClient } from '../core/api/api-client';
import { API } from '../core/api/endpoints';

@Injectable({ providedIn: 'root' })
export class AgentsApi {
  private readonly api = inject(ApiClient);

  list(): Promise<AgentView[]> {
    return this.api.call(API.listAgents).then((page) => page.items);
  }

  get(id: string): Promise<AgentView> {
    return this.api.call(API.getAgent, { params: { id } });
  }

  create(input: AgentInput): Promise<AgentView> {
    return this.api.call(API.createAgent, { body: input });
  }

  update(id: string, changes: Partial<AgentInput>): Promise<AgentView> {
    return this.api.call(API.updateAgent, { params: { id }, body: changes });
  }

  delete(id: string): Promise<void> {
    return this.api.call(API.deleteAgent, { params: { id } });
  }
}
