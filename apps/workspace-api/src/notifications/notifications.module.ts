import { Module } from '@nestjs/common';
import { RoomsModule } from '../rooms/rooms.module';
import { AgentNotificationsController } from './agent-notifications.controller';
import { NotificationsController } from './notifications.controller';
import { NotificationsRepository } from './notifications.repository';
import { NotificationsService } from './notifications.service';

@Module({
  imports: [RoomsModule],
  controllers: [NotificationsController, AgentNotificationsController],
  providers: [NotificationsService, NotificationsRepository],
})
export class NotificationsModule {}
