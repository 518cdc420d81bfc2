import { applyDecorators, Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { AgentRunResponse, RunItem, RunListResponse } from '@oz/contract';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal } from '../common/auth/auth.decorators';
import type { Principal } from '../common/auth/principal';
import { ApiErrorResponses, ApiException } from '@oz/server-kit';
import { CreateRunDto } from './dto/create-run.dto';
import { AgentRunResponseDto, ListRunsQueryDto, RunItemDto, RunListResponseDto } from '@oz/api-dto';
import { toRunItem, toRunResponse } from './run.mapper';
import { RunsService } from './runs.service';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

function CreateRunRoute(path: string, operationId: string, summary: string) {
  return applyDecorators(
    Post(path),
    HttpCode(201),
    ApiOperation({ operationId, summary }),
    ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Retries with the same key return the first run' }),
    ApiErrorResponses(400, 404, 409, 422),
    ApiCreatedResponse({ type: AgentRunResponseDto, description: 'The run; with `Idempotent-Replayed: true` when a retry returned the first one' }),
  );
}

@ApiTags('runs')
@ApiBearerAuth()
@ApiErrorResponses(401)
@Controller('agent')
export class RunsController {
  constructor(private readonly runs: RunsService) {}

  @CreateRunRoute('run', 'createRun', 'Create a run (QUEUED, or PENDING when config.environment_id is set)')
  create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateRunDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Headers('x-stainless-retry-count') retryCount: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AgentRunResponse> {
    return this.createRun(principal, body, { idempotencyKey, retryCount }, reply);
  }

  /** The newer SDKs' path for the same operation; a handler of its own so OpenAPI ids stay unique. */
  @CreateRunRoute('runs', 'createRunAlias', 'Same as POST /agent/run')
  createAlias(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateRunDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Headers('x-stainless-retry-count') retryCount: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<AgentRunResponse> {
    return this.createRun(principal, body, { idempotencyKey, retryCount }, reply);
  }

  @Get('runs')
  @ApiOperation({ operationId: 'listRuns', summary: 'List runs, newest first, with cursor pagination and filters' })
  @ApiOkResponse({ type: RunListResponseDto })
  @ApiErrorResponses(400)
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListRunsQueryDto): Promise<RunListResponse> {
    return this.runs.list(principal, query);
  }

  @Get('runs/:runId')
  @ApiOperation({ operationId: 'getRun', summary: 'Get one run' })
  @ApiOkResponse({ type: RunItemDto })
  @ApiErrorResponses(404)
  async get(@CurrentPrincipal() principal: Principal, @Param('runId') runId: string): Promise<RunItem> {
    return toRunItem(await this.runs.get(principal, runId), principal);
  }

  private async createRun(
    principal: Principal,
    body: CreateRunDto,
    headers: { idempotencyKey?: string; retryCount?: string },
    reply: FastifyReply,
  ): Promise<AgentRunResponse> {
    const { idempotencyKey, retryCount } = headers;
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw ApiException.badRequest('Idempotency-Key must be 1 to 255 printable ASCII characters');
    }
    const { run, replayed } = await this.runs.create(principal, body, {
      source: 'API',
      idempotencyKey,
      isClientRetry: Number(retryCount) >= 1,
    });
    if (replayed) void reply.header('Idempotent-Replayed', 'true');
    return toRunResponse(run);
  }

  /** Answers the bare run id as text/plain: both the TS and the Python SDK then read the plain id. */
  @Post('runs/:runId/cancel')
  @HttpCode(200)
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'The id of the cancelled run', schema: { type: 'string' } })
  @ApiErrorResponses(400, 404)
  @ApiOperation({ operationId: 'cancelRun', summary: 'Cancel an unfinished run (400 if it already finished)' })
  async cancel(
    @CurrentPrincipal() principal: Principal,
    @Param('runId') runId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const run = await this.runs.cancel(principal, runId);
    void reply.header('Content-Type', 'text/plain; charset=utf-8');
    return run.id;
  }
}
