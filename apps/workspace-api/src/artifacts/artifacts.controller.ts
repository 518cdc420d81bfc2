import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import type { ArtifactView } from '@oz/workspace-contract';
import { ApiException } from '@oz/server-kit';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, IsUrl, Matches, MaxLength, MinLength } from 'class-validator';
import { CurrentUser, type SessionUser } from '../common/auth';
import { notFound } from '../common/ids';
import { RoomEvents } from '../events/room-events';
import { RoomsRepository } from '../rooms/rooms.repository';
import { ArtifactsRepository } from './artifacts.repository';
import { stringRequired } from '../common/validation-messages';

export class CreateArtifactDto {
  @ApiProperty({ example: 'plan', description: 'plan, pr, document, sheet, or another lower-case word' })
  @Matches(/^[a-z][a-z0-9_-]{0,31}$/, { message: 'type must be a lower-case word such as plan, pr, document or sheet' })
  @IsString(stringRequired('type'))
  type!: string;

  @ApiProperty()
  @Transform(({ value }) => (typeof value === 'string' ? value.trim() : value))
  @MaxLength(300)
  @MinLength(1, { message: 'title must not be empty' })
  @IsString(stringRequired('title'))
  title!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @MaxLength(500_000)
  @IsString()
  content?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @MaxLength(2000)
  @IsUrl({ require_protocol: true, protocols: ['http', 'https'], require_tld: false }, { message: 'url must be an http(s) URL' })
  url?: string;
}

@ApiTags('artifacts')
@Controller()
export class ArtifactsController {
  constructor(
    private readonly artifacts: ArtifactsRepository,
    private readonly rooms: RoomsRepository,
    private readonly events: RoomEvents,
  ) {}

  @Get('rooms/:roomId/artifacts')
  @ApiOperation({ operationId: 'listArtifacts', summary: "The room's artifacts, newest first" })
  async list(@CurrentUser() user: SessionUser, @Param('roomId') roomId: string): Promise<{ items: ArtifactView[] }> {
    const room = await this.rooms.require(user.id, roomId);
    return { items: await this.artifacts.list(room.id) };
  }

  @Post('rooms/:roomId/artifacts')
  @ApiOperation({ operationId: 'createArtifact', summary: 'Add an artifact (a plan, a document, a link to a PR…)' })
  async create(@CurrentUser() user: SessionUser, @Param('roomId') roomId: string, @Body() body: CreateArtifactDto): Promise<ArtifactView> {
    const room = await this.rooms.require(user.id, roomId);
    const artifact = await this.artifacts.create(room.id, body);
    if (!artifact) throw ApiException.conflict(`This room already has a ${body.type} artifact for ${body.url}`);
    await this.events.emit(room.id, 'artifact', { action: 'created', artifact });
    return artifact;
  }

  @Delete('artifacts/:id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteArtifact', summary: 'Delete an artifact' })
  async delete(@CurrentUser() user: SessionUser, @Param('id') id: string): Promise<void> {
    const artifact = await this.artifacts.owned(user.id, id);
    if (!artifact || !(await this.artifacts.delete(artifact.id))) throw notFound('Artifact', id);
    await this.events.emit(artifact.room_id, 'artifact', { action: 'deleted', artifact_id: artifact.id });
  }
}
