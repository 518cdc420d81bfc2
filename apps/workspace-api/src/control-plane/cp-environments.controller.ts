import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { EnvironmentItem, EnvironmentListResponse } from '@oz/contract';
import { ApiErrorResponses } from '@oz/server-kit';
import { CurrentUser, SessionRoute, type SessionUser } from '../common/auth';
import { ControlPlaneEnvironments } from './control-plane-environments';
import { EnvironmentItemDto, EnvironmentListResponseDto } from '@oz/api-dto';
import { CpEnvironmentDto } from './dto/cp-environment.dto';

/** The user's environments on the control plane; secrets are write-only (always answered as "<redacted>"). */
@ApiTags('control plane')
@SessionRoute()
@ApiErrorResponses(409, 429, 502, 503)
@Controller('cp/environments')
export class CpEnvironmentsController {
  constructor(private readonly environments: ControlPlaneEnvironments) {}

  @Get()
  @ApiOperation({ operationId: 'cpListEnvironments', summary: 'Your environments' })
  @ApiOkResponse({ type: EnvironmentListResponseDto })
  list(@CurrentUser() user: SessionUser): Promise<EnvironmentListResponse> {
    return this.environments.list(user.id);
  }

  @Post()
  @ApiOperation({ operationId: 'cpCreateEnvironment', summary: 'Create an environment' })
  @ApiCreatedResponse({ type: EnvironmentItemDto })
  @ApiErrorResponses(400)
  create(@CurrentUser() user: SessionUser, @Body() body: CpEnvironmentDto): Promise<EnvironmentItem> {
    return this.environments.create(user.id, body);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'cpGetEnvironment', summary: 'One of your environments' })
  @ApiOkResponse({ type: EnvironmentItemDto })
  @ApiErrorResponses(404)
  get(@CurrentUser() user: SessionUser, @Param('id') id: string): Promise<EnvironmentItem> {
    return this.environments.get(user.id, id);
  }

  @Put(':id')
  @ApiOperation({ operationId: 'cpUpdateEnvironment', summary: 'Replace an environment; a secret sent as "<redacted>" keeps its value, one left out is deleted' })
  @ApiOkResponse({ type: EnvironmentItemDto })
  @ApiErrorResponses(400, 404)
  update(@CurrentUser() user: SessionUser, @Param('id') id: string, @Body() body: CpEnvironmentDto): Promise<EnvironmentItem> {
    return this.environments.update(user.id, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'cpDeleteEnvironment', summary: 'Delete an environment (409 while unfinished runs use it)' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrorResponses(404)
  delete(@CurrentUser() user: SessionUser, @Param('id') id: string): Promise<void> {
    return this.environments.delete(user.id, id);
  }
}
