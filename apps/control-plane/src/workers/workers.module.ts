import { Module } from '@nestjs/common';
import { EnvironmentsModule } from '../environments/environments.module';
import { ExecutionModule } from '../execution/execution.module';
import { RunsModule } from '../runs/runs.module';
import { DispatchRepository } from './dispatch.repository';
import { DispatcherService } from './dispatcher.service';
import { WorkerGateway } from './worker.gateway';
import { WorkerRegistry } from './worker-registry';
import { WorkersController } from './workers.controller';
import { WorkersService } from './workers.service';

/** Worker mode: the WebSocket gateway, the dispatcher, presence and run logs. */
@Module({
  imports: [EnvironmentsModule, RunsModule, ExecutionModule],
  controllers: [WorkersController],
  providers: [WorkerGateway, WorkerRegistry, DispatcherService, DispatchRepository, WorkersService],
})
export class WorkersModule {}
