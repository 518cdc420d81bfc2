import { Module } from '@nestjs/common';
import { AdminController } from './admin.controller';
import { InvitesRepository } from './invites.repository';
import { InvitesService } from './invites.service';

/** What the instance admin manages: invites (signup uses them through InvitesService). */
@Module({
  controllers: [AdminController],
  providers: [InvitesService, InvitesRepository],
  exports: [InvitesService],
})
export class AdminModule {}
