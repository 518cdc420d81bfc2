import { Module } from '@nestjs/common';
import { EnvironmentsModule } from '../environments/environments.module';
import { RunsModule } from '../runs/runs.module';
import { ScheduleFiringLoop } from './schedule-firing.loop';
import { SchedulesController } from './schedules.controller';
import { SchedulesRepository } from './schedules.repository';
import { SchedulesService } from './schedules.service';

@Module({
  imports: [RunsModule, EnvironmentsModule],
  controllers: [SchedulesController],
  providers: [SchedulesService, SchedulesRepository, ScheduleFiringLoop],
})
export class SchedulesModule {}
