import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ControlPlaneStatus } from '@oz/workspace-contract';
import { CurrentUser, SessionRoute, type SessionUser } from '../common/auth';
import { ControlPlaneAccess } from './control-plane-access';
import { ControlPlaneStatusDto } from './dto/cp-admin.dto';

@ApiTags('control plane')
@SessionRoute()
@Controller('cp')
export class CpStatusController {
  constructor(private readonly access: ControlPlaneAccess) {}

  @Get('status')
  @ApiOperation({ operationId: 'controlPlaneStatus', summary: 'Whether the control-plane views work here (remote mode, reachable), and whether you are the instance admin' })
  @ApiOkResponse({ type: ControlPlaneStatusDto })
  status(@CurrentUser() user: SessionUser): Promise<ControlPlaneStatus> {
    return this.access.status(user.id);
  }
}
