import { Module } from '@nestjs/common';
import { SecretBox } from '../common/secrets/secret-box';
import { EnvironmentsController } from './environments.controller';
import { EnvironmentsRepository } from './environments.repository';
import { EnvironmentsService } from './environments.service';

@Module({
  controllers: [EnvironmentsController],
  providers: [EnvironmentsService, EnvironmentsRepository, SecretBox],
  exports: [EnvironmentsService],
})
export class EnvironmentsModule {}
