import { ApiProperty } from '@nestjs/swagger';
import { RUN_STATES, type RunState } from '@oz/contract';
import type { ControlPlaneStatus, ProviderQuota, ProviderStatus, ProviderStatusList, WorkerList, WorkerRunRef, WorkerView } from '@oz/workspace-contract';

export class ControlPlaneStatusDto implements ControlPlaneStatus {
  @ApiProperty({ description: 'False when the views cannot work (local runner mode, no secrets key, control plane unreachable): `reason` says why' })
  connected!: boolean;
  @ApiProperty({ enum: ['local', 'remote'] }) runner_mode!: 'local' | 'remote';
  @ApiProperty({ description: 'The instance admin: sees workers, providers and every tenant\'s runs' }) admin!: boolean;
  @ApiProperty({ type: String, nullable: true }) reason!: string | null;
}

class CpWorkerRunDto implements WorkerRunRef {
  @ApiProperty({ format: 'uuid' }) run_id!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ enum: RUN_STATES }) state!: RunState;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) started_at!: string | null;
}

class CpWorkerDto implements WorkerView {
  @ApiProperty() worker_id!: string;
  @ApiProperty({ description: 'Open WebSockets, across control-plane replicas' }) connections!: number;
  @ApiProperty({ format: 'date-time' }) connected_at!: string;
  @ApiProperty({ format: 'date-time' }) last_seen_at!: string;
  @ApiProperty({ type: [CpWorkerRunDto], description: 'The runs it holds (CLAIMED or INPROGRESS)' }) running!: CpWorkerRunDto[];
}

export class CpWorkerListDto implements WorkerList {
  @ApiProperty({ type: [CpWorkerDto] }) workers!: CpWorkerDto[];
}

class CpProviderQuotaDto implements ProviderQuota {
  @ApiProperty() limit!: number;
  @ApiProperty() window_seconds!: number;
  @ApiProperty() used!: number;
  @ApiProperty() remaining!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) next_free_at!: string | null;
}

class CpProviderUsageDto {
  @ApiProperty() bucket_seconds!: number;
  @ApiProperty({ type: [Number], description: 'Calls per bucket over the quota window, oldest first, the last ending now' }) calls!: number[];
}

class CpProviderStatusDto implements ProviderStatus {
  @ApiProperty() key!: string;
  @ApiProperty({ enum: ['openai_compatible', 'anthropic', 'cli'] }) type!: string;
  @ApiProperty() model!: string;
  @ApiProperty() usable!: boolean;
  @ApiProperty({ type: [String] }) problems!: string[];
  @ApiProperty({ type: CpProviderQuotaDto, nullable: true }) quota!: CpProviderQuotaDto | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) blocked_until!: string | null;
  @ApiProperty({ type: String, nullable: true }) blocked_reason!: string | null;
  @ApiProperty({ type: CpProviderUsageDto }) usage!: CpProviderUsageDto;
}

export class CpProviderStatusListDto implements ProviderStatusList {
  @ApiProperty({ type: [CpProviderStatusDto] }) providers!: CpProviderStatusDto[];
  @ApiProperty({ type: [String] }) fallback_order!: string[];
  @ApiProperty() queue_on_saturation!: boolean;
  @ApiProperty() queue_max_wait_seconds!: number;
}
