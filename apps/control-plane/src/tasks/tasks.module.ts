import { Module } from '@nestjs/common';
import { WorkersModule } from '../workers/workers.module';
import { TaskAuth, TaskTokenGuard } from './task-auth';
import { TaskReportsController } from './task-reports.controller';
import { TaskReportsService } from './task-reports.service';

/**
 * The task API: what a task container calls with its run's task token. TaskAuth (and its guard) is
 * shared with the LLM gateway; the reports (log lines, output, finished) are here.
 */
@Module({
  imports: [WorkersModule],
  controllers: [TaskReportsController],
  providers: [TaskAuth, TaskTokenGuard, TaskReportsService],
  exports: [TaskAuth, TaskTokenGuard],
})
export class TasksModule {}
