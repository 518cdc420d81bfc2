import { Module } from '@nestjs/common';
import { ArtifactsModule } from '../artifacts/artifacts.module';
import { EventsModule } from '../events/events.module';
import { MessagesModule } from '../messages/messages.module';
import { RoomsModule } from '../rooms/rooms.module';
import { TasksModule } from '../tasks/tasks.module';
import { PublicController } from './public.controller';
import { PublicService } from './public.service';

@Module({
  imports: [RoomsModule, MessagesModule, TasksModule, ArtifactsModule, EventsModule],
  controllers: [PublicController],
  providers: [PublicService],
})
export class PublicModule {}
