import { Module } from '@nestjs/common';
import { RoomsModule } from '../rooms/rooms.module';
import { AgentTasksController } from './agent-tasks.controller';
import { TasksController } from './tasks.controller';
import { TasksRepository } from './tasks.repository';
import { TasksService } from './tasks.service';

@Module({
  imports: [RoomsModule],
  controllers: [TasksController, AgentTasksController],
  providers: [TasksService, TasksRepository],
  exports: [TasksService],
})
export class TasksModule {}
