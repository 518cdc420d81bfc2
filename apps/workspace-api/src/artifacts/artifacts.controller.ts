import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ArtifactView, ItemList } from '@oz/workspace-contract';
import { ApiErrorResponses } from '@oz/server-kit';
import { CurrentUser, SessionRoute, type SessionUser } from '../common/auth';
import { ArtifactListDto, ArtifactViewDto } from '../common/dto/artifact-view.dto';
import { ArtifactsService } from './artifacts.service';
import { CreateArtifactDto } from './dto/create-artifact.dto';

@ApiTags('artifacts')
@SessionRoute()
@Controller()
export class ArtifactsController {
  constructor(private readonly artifacts: ArtifactsService) {}

  @Get('rooms/:roomId/artifacts')
  @ApiOperation({ operationId: 'listArtifacts', summary: "The room's artifacts, newest first" })
  @ApiOkResponse({ type: ArtifactListDto })
  @ApiErrorResponses(404)
  async list(@CurrentUser() user: SessionUser, @Param('roomId') roomId: string): Promise<ItemList<ArtifactView>> {
    return { items: await this.artifacts.list(user.id, roomId) };
  }

  @Post('rooms/:roomId/artifacts')
  @ApiOperation({ operationId: 'createArtifact', summary: 'Add an artifact (a plan, a document, a link to a PR…)' })
  @ApiCreatedResponse({ type: ArtifactViewDto })
  @ApiErrorResponses(400, 404, 409)
  create(@CurrentUser() user: SessionUser, @Param('roomId') roomId: string, @Body() body: CreateArtifactDto): Promise<ArtifactView> {
    return this.artifacts.create(user.id, roomId, body);
  }

  @Delete('artifacts/:id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteArtifact', summary: 'Delete an artifact' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrorResponses(404)
  delete(@CurrentUser() user: SessionUser, @Param('id') id: string): Promise<void> {
    return this.artifacts.delete(user.id, id);
  }
}
