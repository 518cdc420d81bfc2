import { Module } from '@nestjs/common';
import { RoomsModule } from '../rooms/rooms.module';
import { AgentMessagesController } from './agent-messages.controller';
import { MessagesController } from './messages.controller';
import { MessagesRepository } from './messages.repository';
import { MessagesService } from './messages.service';

@Module({
  imports: [RoomsModule],
  controllers: [MessagesController, AgentMessagesController],
  providers: [MessagesService, MessagesRepository],
  exports: [MessagesService],
})
export class MessagesModule {}
