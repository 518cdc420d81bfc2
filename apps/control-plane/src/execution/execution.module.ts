import { Module } from '@nestjs/common';
import { LlmGatewayModule } from '../llm-gateway/llm-gateway.module';
import { ExecutionRepository } from './execution.repository';
import { ProviderRoutingModule } from './provider-routing.module';
import { ProviderRunner } from './provider-runner';
import { ProviderStatusController } from './provider-status.controller';
import { ProviderStatusService } from './provider-status.service';
import { RunExecutor } from './run-executor.service';

/** Remote API mode: provider runs executed in this replica, and the operator's view of the providers (gateway usage included). */
@Module({
  imports: [ProviderRoutingModule, LlmGatewayModule],
  controllers: [ProviderStatusController],
  providers: [ExecutionRepository, ProviderRunner, RunExecutor, ProviderStatusService],
})
export class ExecutionModule {}
