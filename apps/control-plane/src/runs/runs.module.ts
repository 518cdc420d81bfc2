import { Module } from '@nestjs/common';
import { EnvironmentsModule } from '../environments/environments.module';
import { RunSecrets } from './run-secrets';
import { RunsController } from './runs.controller';
import { RunsRepository } from './runs.repository';
import { RunsService } from './runs.service';

@Module({
  imports: [EnvironmentsModule],
  controllers: [RunsController],
  providers: [RunsService, RunsRepository, RunSecrets],
  exports: [RunsService, RunSecrets],
})
export class RunsModule {}
