import { Module } from '@nestjs/common';
import { createProviderClient, ProviderRouter, QuotaStore } from '@oz/providers';
import type { Pool } from 'pg';
import { AgentRunsModule } from '../agent-runs/agent-runs.module';
import { ReplyWriter } from '../agent-runs/reply-writer';
import { AgentsModule } from '../agents/agents.module';
import { WORKSPACE_CONFIG, type WorkspaceConfig } from '../config/workspace.config';
import { ControlPlaneAccess } from '../control-plane/control-plane-access';
import { ControlPlaneModule } from '../control-plane/control-plane.module';
import { PG_POOL } from '../core/sql';
import { MessagesModule } from '../messages/messages.module';
import { WorkspaceMetrics } from '../metrics/workspace-metrics';
import { RoomReplies } from '../rooms/room-replies';
import { RoomsModule } from '../rooms/rooms.module';
import { TasksModule } from '../tasks/tasks.module';
import { AgentRunner } from './agent-runner';
import { InvocationService } from './invocation.service';
import { LocalRunner } from './local-runner';
import { RemoteRunner } from './remote-runner';
import { StaleRunSweeper } from './stale-run-sweeper';

/**
 * OZ_RUNNER_MODE: providers called from this process (quotas in the workspace schema), or runs on a
 * control plane, each made as its room owner's own tenant.
 */
function createRunner(config: WorkspaceConfig, pool: Pool, access: ControlPlaneAccess, metrics: WorkspaceMetrics): AgentRunner {
  return config.runner.mode === 'remote'
    ? new RemoteRunner(config.runner, (userId, work) => access.asRunOwner(userId, work))
    : new LocalRunner(new ProviderRouter(config.runner.providers, new QuotaStore(pool), metrics.providers.countCalls(createProviderClient)), metrics.providers);
}

/** Agents replying in rooms: @mentions start runs, runners do the work, the stale-run sweeper cleans up. */
@Module({
  imports: [RoomsModule, AgentsModule, MessagesModule, TasksModule, AgentRunsModule, ControlPlaneModule],
  providers: [InvocationService, StaleRunSweeper, { provide: AgentRunner, inject: [WORKSPACE_CONFIG, PG_POOL, ControlPlaneAccess, WorkspaceMetrics], useFactory: createRunner }],
  exports: [InvocationService],
})
export class InvocationModule {
  constructor(roomReplies: RoomReplies, invocation: InvocationService, replies: ReplyWriter) {
    // Rooms and messages are below this module (it reads them), so they reach it through RoomReplies.
    roomReplies.connect({
      admit: (room, userId, content) => invocation.admit(room, userId, content),
      startFor: (room, userId, message) => invocation.onHumanMessage(room, userId, message),
      startFromRun: (runId, message) => invocation.onAgentMessage(runId, message),
      stopAll: (roomId, reason) => replies.stopInRoom(roomId, reason),
    });
  }
}
