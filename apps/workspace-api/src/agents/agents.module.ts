import { Module } from '@nestjs/common';
import { AgentRunsModule } from '../agent-runs/agent-runs.module';
import { RoomsModule } from '../rooms/rooms.module';
import { AgentSecretsUpgrade } from './agent-secrets-upgrade';
import { AgentsController } from './agents.controller';
import { AgentsRepository } from './agents.repository';
import { AgentsService } from './agents.service';

@Module({
  imports: [RoomsModule, AgentRunsModule],
  controllers: [AgentsController],
  providers: [AgentsService, AgentsRepository, AgentSecretsUpgrade],
  exports: [AgentsService],
})
export class AgentsModule {}
