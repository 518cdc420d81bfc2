import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '@oz/server-kit';
import { AdminOnly } from '../common/auth/auth.decorators';
import { SuccessDto } from '../common/http/response.dto';
import { toWorkerToken } from './credential.mapper';
import { CredentialsService } from './credentials.service';
import { CreateWorkerTokenDto, IssuedWorkerTokenDto, WorkerTokenListDto } from './dto/worker-token.dto';

@ApiTags('admin')
@ApiBearerAuth()
@ApiErrorResponses(401, 403)
@AdminOnly()
@Controller('admin/worker-tokens')
export class WorkerTokensController {
  constructor(private readonly credentials: CredentialsService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ operationId: 'createWorkerToken', summary: 'Issue a token for one worker id (admin key only); the token is in this answer only' })
  @ApiCreatedResponse({ type: IssuedWorkerTokenDto })
  @ApiErrorResponses(400)
  async create(@Body() body: CreateWorkerTokenDto): Promise<IssuedWorkerTokenDto> {
    const { credential, token } = await this.credentials.issueWorkerToken(body.worker_id);
    return { ...toWorkerToken(credential), token };
  }

  @Get()
  @ApiOperation({ operationId: 'listWorkerTokens', summary: 'Worker tokens that work, oldest first, without their tokens (admin key only)' })
  @ApiOkResponse({ type: WorkerTokenListDto })
  async list(): Promise<WorkerTokenListDto> {
    return { worker_tokens: (await this.credentials.list('worker')).map(toWorkerToken) };
  }

  @Delete(':tokenId')
  @ApiOperation({ operationId: 'revokeWorkerToken', summary: 'Revoke a worker token: new connections with it are refused (admin key only)' })
  @ApiOkResponse({ type: SuccessDto })
  @ApiErrorResponses(404)
  async revoke(@Param('tokenId') tokenId: string): Promise<SuccessDto> {
    await this.credentials.revoke('worker', tokenId);
    return { success: true };
  }
}
