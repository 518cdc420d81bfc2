import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module';
import { ControlPlaneAccess } from './control-plane-access';
import { ControlPlaneAdmin } from './control-plane-admin';
import { ControlPlaneClient } from './control-plane-client';
import { ControlPlaneEnvironments } from './control-plane-environments';
import { ControlPlaneRuns } from './control-plane-runs';
import { ControlPlaneSchedules } from './control-plane-schedules';
import { ControlPlaneTenantsRepository } from './control-plane-tenants.repository';
import { CpAdminController } from './cp-admin.controller';
import { CpEnvironmentsController } from './cp-environments.controller';
import { CpRunsController } from './cp-runs.controller';
import { CpSchedulesController } from './cp-schedules.controller';
import { CpStatusController } from './cp-status.controller';
import { ControlPlaneFeeds } from './live/control-plane-feeds';
import { FeedLeases } from './live/feed-leases';
import { TenantCredentials } from './tenant-credentials';

/**
 * The dashboard's control-plane views (a backend-for-frontend under /api/cp): runs, environments,
 * schedules, and for the instance admin workers and providers, each answered by the control plane
 * for the signed-in user's own tenant; and the feed that keeps the users' channels live.
 */
@Module({
  imports: [EventsModule],
  controllers: [CpStatusController, CpRunsController, CpEnvironmentsController, CpSchedulesController, CpAdminController],
  providers: [
    ControlPlaneClient,
    ControlPlaneTenantsRepository,
    TenantCredentials,
    ControlPlaneAccess,
    ControlPlaneRuns,
    ControlPlaneEnvironments,
    ControlPlaneSchedules,
    ControlPlaneAdmin,
    FeedLeases,
    ControlPlaneFeeds,
  ],
  exports: [ControlPlaneAccess],
})
export class ControlPlaneModule {}
