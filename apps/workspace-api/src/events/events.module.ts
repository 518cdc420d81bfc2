import { Module } from '@nestjs/common';
import { RoomsModule } from '../rooms/rooms.module';
import { EventsController } from './events.controller';
import { EventsService } from './events.service';
import { StreamLimits } from './stream-limits';
import { UserChannels } from './user-channels';
import { UserEvents } from './user-events';

/** The SSE routes (a room's events, and each user's own channel). The event bus itself (memory or Redis Streams) and RoomEvents are provided by CoreModule. */
@Module({
  imports: [RoomsModule],
  controllers: [EventsController],
  providers: [EventsService, StreamLimits, UserChannels, UserEvents],
  exports: [EventsService, UserChannels, UserEvents],
})
export class EventsModule {}
