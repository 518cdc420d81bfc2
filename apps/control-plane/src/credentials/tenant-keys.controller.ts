import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '@oz/server-kit';
import { AdminOnly } from '../common/auth/auth.decorators';
import { SuccessDto } from '../common/http/response.dto';
import { toTenantKey } from './credential.mapper';
import { CredentialsService } from './credentials.service';
import { CreateTenantKeyDto, IssuedTenantKeyDto, TenantKeyListDto } from './dto/tenant-key.dto';

@ApiTags('admin')
@ApiBearerAuth()
@ApiErrorResponses(401, 403)
@AdminOnly()
@Controller('admin/tenant-keys')
export class TenantKeysController {
  constructor(private readonly credentials: CredentialsService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ operationId: 'createTenantKey', summary: 'Issue a tenant key (admin key only); the token is in this answer only' })
  @ApiCreatedResponse({ type: IssuedTenantKeyDto })
  @ApiErrorResponses(400, 409)
  async create(@Body() body: CreateTenantKeyDto): Promise<IssuedTenantKeyDto> {
    const { credential, token } = await this.credentials.issueTenantKey(body.name.trim(), body.token);
    return { ...toTenantKey(credential), token };
  }

  @Get()
  @ApiOperation({ operationId: 'listTenantKeys', summary: 'Tenant keys that work, oldest first, without their tokens (admin key only)' })
  @ApiOkResponse({ type: TenantKeyListDto })
  async list(): Promise<TenantKeyListDto> {
    return { tenant_keys: (await this.credentials.list('tenant')).map(toTenantKey) };
  }

  @Delete(':keyId')
  @ApiOperation({ operationId: 'revokeTenantKey', summary: 'Revoke a tenant key: refused from the next request on, on every replica (admin key only)' })
  @ApiOkResponse({ type: SuccessDto })
  @ApiErrorResponses(404)
  async revoke(@Param('keyId') keyId: string): Promise<SuccessDto> {
    await this.credentials.revoke('tenant', keyId);
    return { success: true };
  }
}
