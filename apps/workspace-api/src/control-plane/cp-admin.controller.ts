import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '@oz/server-kit';
import type { ProviderStatusList, WorkerList } from '@oz/workspace-contract';
import { CurrentUser, SessionRoute, type SessionUser } from '../common/auth';
import { ControlPlaneAdmin } from './control-plane-admin';
import { CpProviderStatusListDto, CpWorkerListDto } from './dto/cp-admin.dto';

/** The instance admin's views of the control plane; anyone else gets 403 `admin_only`. */
@ApiTags('control plane')
@SessionRoute()
@ApiErrorResponses(403, 409, 502, 503)
@Controller('cp')
export class CpAdminController {
  constructor(private readonly admin: ControlPlaneAdmin) {}

  @Get('workers')
  @ApiOperation({ operationId: 'cpListWorkers', summary: 'Connected workers and the runs each is executing (instance admin only)' })
  @ApiOkResponse({ type: CpWorkerListDto })
  workers(@CurrentUser() user: SessionUser): Promise<WorkerList> {
    return this.admin.workers(user.id);
  }

  @Get('providers')
  @ApiOperation({ operationId: 'cpListProviders', summary: 'Providers with their quota use over the window, per time bucket (instance admin only)' })
  @ApiOkResponse({ type: CpProviderStatusListDto })
  providers(@CurrentUser() user: SessionUser): Promise<ProviderStatusList> {
    return this.admin.providers(user.id);
  }
}
