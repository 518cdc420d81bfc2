import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { CreatedInviteView, InviteView, ItemList } from '@oz/workspace-contract';
import { ApiErrorResponses } from '@oz/server-kit';
import { CurrentUser, SessionRoute, type SessionUser } from '../common/auth';
import { CreatedInviteDto, CreateInviteDto, InviteListDto } from './dto/invite.dto';
import { InvitesService } from './invites.service';

/** The instance admin's routes (the first account); anyone else gets 403 `admin_only`. */
@ApiTags('admin')
@SessionRoute()
@ApiErrorResponses(403)
@Controller('admin/invites')
export class AdminController {
  constructor(private readonly invites: InvitesService) {}

  @Post()
  @ApiOperation({ operationId: 'createInvite', summary: 'Invite someone to sign up (single use, expires after OZ_INVITE_TTL_SECONDS); the token is shown this once' })
  @ApiCreatedResponse({ type: CreatedInviteDto })
  @ApiErrorResponses(400, 409)
  create(@CurrentUser() user: SessionUser, @Body() body: CreateInviteDto): Promise<CreatedInviteView> {
    return this.invites.create(user, body.email ?? null);
  }

  @Get()
  @ApiOperation({ operationId: 'listInvites', summary: 'Invites, newest first, with their state (never their tokens)' })
  @ApiOkResponse({ type: InviteListDto })
  async list(@CurrentUser() user: SessionUser): Promise<ItemList<InviteView>> {
    return { items: await this.invites.list(user) };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'revokeInvite', summary: 'Revoke an invite: its link opens nothing any more' })
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiErrorResponses(404)
  revoke(@CurrentUser() user: SessionUser, @Param('id') id: string): Promise<void> {
    return this.invites.revoke(user, id);
  }
}
