import { Module } from '@nestjs/common';
import { ArtifactsModule } from '../artifacts/artifacts.module';
import { MessagesModule } from '../messages/messages.module';
import { RoomsModule } from '../rooms/rooms.module';
import { ActiveRuns } from './active-runs';
import { AgentRunsController } from './agent-runs.controller';
import { AgentRunsRepository } from './agent-runs.repository';
import { AgentRunsService } from './agent-runs.service';
import { ReplyWriter } from './reply-writer';
import { RunCallbacks } from './run-callbacks';

@Module({
  imports: [RoomsModule, MessagesModule, ArtifactsModule],
  controllers: [AgentRunsController],
  providers: [AgentRunsService, AgentRunsRepository, ActiveRuns, ReplyWriter, RunCallbacks],
  exports: [AgentRunsService, ActiveRuns, ReplyWriter, RunCallbacks],
})
export class AgentRunsModule {}
