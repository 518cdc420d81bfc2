import { ApiProperty } from '@nestjs/swagger';

export class ProviderQuotaDto {
  @ApiProperty({ description: 'Calls allowed in any window' })
  limit!: number;

  @ApiProperty({ description: 'Length of the rolling window, in seconds' })
  window_seconds!: number;

  @ApiProperty({ description: 'Calls made within the window ending now' })
  used!: number;

  @ApiProperty()
  remaining!: number;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the next slot frees while the window is full; null while slots remain' })
  next_free_at!: string | null;
}

export class ProviderUsageDto {
  @ApiProperty({ description: 'Length of each bucket, in seconds' })
  bucket_seconds!: number;

  @ApiProperty({ type: [Number], description: 'Calls per bucket over the quota window, oldest first, the last ending now; empty without a quota' })
  calls!: number[];
}

export class ProviderStatusDto {
  @ApiProperty({ example: 'claude' })
  key!: string;

  @ApiProperty({ enum: ['openai_compatible', 'anthropic', 'cli'] })
  type!: string;

  @ApiProperty()
  model!: string;

  @ApiProperty({ description: 'False when its configuration is incomplete (see problems); runs skip it' })
  usable!: boolean;

  @ApiProperty({ type: [String] })
  problems!: string[];

  @ApiProperty({ type: ProviderQuotaDto, nullable: true, description: 'Null when the provider has no quota' })
  quota!: ProviderQuotaDto | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Avoided until then after a 429' })
  blocked_until!: string | null;

  @ApiProperty({ type: String, nullable: true })
  blocked_reason!: string | null;

  @ApiProperty({ type: ProviderUsageDto, description: 'Extension: calls per time bucket over the quota window, for charts' })
  usage!: ProviderUsageDto;
}

export class ProviderStatusListDto {
  @ApiProperty({ type: [ProviderStatusDto] })
  providers!: ProviderStatusDto[];

  @ApiProperty({ type: [String], description: 'OZ_PROVIDER_FALLBACK_ORDER' })
  fallback_order!: string[];

  @ApiProperty()
  queue_on_saturation!: boolean;

  @ApiProperty()
  queue_max_wait_seconds!: number;
}
