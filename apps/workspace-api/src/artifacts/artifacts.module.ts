import { Module } from '@nestjs/common';
import { RoomsModule } from '../rooms/rooms.module';
import { ArtifactsController } from './artifacts.controller';
import { ArtifactsRepository } from './artifacts.repository';
import { ArtifactsService } from './artifacts.service';

@Module({
  imports: [RoomsModule],
  controllers: [ArtifactsController],
  providers: [ArtifactsService, ArtifactsRepository],
  exports: [ArtifactsService],
})
export class ArtifactsModule {}
