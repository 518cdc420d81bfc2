import { Module } from '@nestjs/common';
import { RoomReplies } from './room-replies';
import { RoomsController } from './rooms.controller';
import { RoomsRepository } from './rooms.repository';
import { RoomsService } from './rooms.service';

@Module({
  controllers: [RoomsController],
  providers: [RoomsService, RoomsRepository, RoomReplies],
  exports: [RoomsService, RoomReplies],
})
export class RoomsModule {}
