import { type DynamicModule, Module } from '@nestjs/common';
import { AccountsModule } from './accounts/accounts.module';
import { AdminModule } from './admin/admin.module';
import { AgentRoutesModule } from './agent-routes/agent-routes.module';
import { AgentRunsModule } from './agent-runs/agent-runs.module';
import { AgentsModule } from './agents/agents.module';
import { ArtifactsModule } from './artifacts/artifacts.module';
import type { WorkspaceConfig } from './config/workspace.config';
import { ControlPlaneModule } from './control-plane/control-plane.module';
import { CoreModule } from './core/core.module';
import { EventsModule } from './events/events.module';
import { InvocationModule } from './invocation/invocation.module';
import { MessagesModule } from './messages/messages.module';
import { MetricsModule } from './metrics/metrics.module';
import { NotificationsModule } from './notifications/notifications.module';
import { PublicModule } from './public/public.module';
import { RoomsModule } from './rooms/rooms.module';
import { TasksModule } from './tasks/tasks.module';

/** The workspace API, built from a config that was validated before anything started. README.md has the module map. */
@Module({})
export class WorkspaceModule {
  static with(config: WorkspaceConfig): DynamicModule {
    return {
      module: WorkspaceModule,
      imports: [
        CoreModule.with(config),
        MetricsModule,
        AccountsModule,
        AdminModule,
        AgentsModule,
        RoomsModule,
        MessagesModule,
        AgentRunsModule,
        TasksModule,
        ArtifactsModule,
        NotificationsModule,
        InvocationModule,
        EventsModule,
        PublicModule,
        AgentRoutesModule,
        ControlPlaneModule,
      ],
    };
  }
}
