import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '@oz/server-kit';
import { AdminOnly } from '../common/auth/auth.decorators';
import { ProviderStatusListDto } from './dto/provider-status.dto';
import { ProviderStatusService } from './provider-status.service';

@ApiTags('admin')
@ApiBearerAuth()
@ApiErrorResponses(401, 403)
@Controller('admin/providers')
export class ProviderStatusController {
  constructor(private readonly status: ProviderStatusService) {}

  @Get()
  @AdminOnly()
  @ApiOperation({
    operationId: 'listProviderStatus',
    summary: 'Providers with their quota usage: limit, window, calls used and when the next slot frees (admin key only)',
  })
  @ApiOkResponse({ type: ProviderStatusListDto })
  list(): Promise<ProviderStatusListDto> {
    return this.status.list();
  }
}
