import { Module } from '@nestjs/common';
import { RoomsModule } from '../rooms/rooms.module';
import { EventsController } from './events.controller';
import { EventsService } from './events.service';

/** The SSE routes. The event bus itself (memory or Redis Streams) and RoomEvents are provided by CoreModule. */
@Module({
  imports: [RoomsModule],
  controllers: [EventsController],
  providers: [EventsService],
  exports: [EventsService],
})
export class EventsModule {}
