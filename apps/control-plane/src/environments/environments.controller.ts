import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { EnvironmentItem, EnvironmentListResponse } from '@oz/contract';
import { ApiErrorResponses } from '@oz/server-kit';
import { CurrentPrincipal } from '../common/auth/auth.decorators';
import type { Principal } from '../common/auth/principal';
import { SuccessDto } from '../common/http/response.dto';
import { EnvironmentDto } from './dto/environment.dto';
import { EnvironmentItemDto, EnvironmentListResponseDto } from '@oz/api-dto';
import { toEnvironmentItem } from './environment.mapper';
import { EnvironmentsService } from './environments.service';

@ApiTags('environments')
@ApiBearerAuth()
@ApiErrorResponses(401)
@Controller('environments')
export class EnvironmentsController {
  constructor(private readonly environments: EnvironmentsService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ operationId: 'createEnvironment', summary: 'Create an environment (env_vars are stored encrypted)' })
  @ApiCreatedResponse({ type: EnvironmentItemDto })
  @ApiErrorResponses(400, 409)
  async create(@CurrentPrincipal() principal: Principal, @Body() body: EnvironmentDto): Promise<EnvironmentItem> {
    return toEnvironmentItem(await this.environments.create(principal, body));
  }

  @Get()
  @ApiOperation({ operationId: 'listEnvironments', summary: 'List environments by name' })
  @ApiOkResponse({ type: EnvironmentListResponseDto })
  async list(@CurrentPrincipal() principal: Principal): Promise<EnvironmentListResponse> {
    return { environments: (await this.environments.list(principal)).map(toEnvironmentItem) };
  }

  @Get(':environmentId')
  @ApiOperation({ operationId: 'getEnvironment', summary: 'Get one environment (secrets redacted)' })
  @ApiOkResponse({ type: EnvironmentItemDto })
  @ApiErrorResponses(404)
  async get(@CurrentPrincipal() principal: Principal, @Param('environmentId') id: string): Promise<EnvironmentItem> {
    return toEnvironmentItem(await this.environments.get(principal, id));
  }

  @Put(':environmentId')
  @ApiOperation({ operationId: 'updateEnvironment', summary: 'Replace an environment; omitted env_vars are kept' })
  @ApiOkResponse({ type: EnvironmentItemDto })
  @ApiErrorResponses(400, 404, 409)
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param('environmentId') id: string,
    @Body() body: EnvironmentDto,
  ): Promise<EnvironmentItem> {
    return toEnvironmentItem(await this.environments.update(principal, id, body));
  }

  @Delete(':environmentId')
  @ApiOperation({ operationId: 'deleteEnvironment', summary: 'Delete an environment no unfinished run uses' })
  @ApiOkResponse({ type: SuccessDto })
  @ApiErrorResponses(404, 409)
  async delete(@CurrentPrincipal() principal: Principal, @Param('environmentId') id: string): Promise<SuccessDto> {
    await this.environments.delete(principal, id);
    return { success: true };
  }
}
