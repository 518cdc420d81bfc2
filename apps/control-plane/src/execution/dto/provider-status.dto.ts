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

export class ProviderGatewayUsageDto {
  @ApiProperty({ description: 'The hours these figures cover, the current one included' })
  window_hours!: number;

  @ApiProperty({ description: 'LLM gateway calls made to this provider (answered or failed)' })
  calls!: number;

  @ApiProperty({ description: 'Of those, calls that failed (an error status, a broken stream, a timeout)' })
  failed_calls!: number;

  @ApiProperty({ description: 'Input tokens the provider counted in its answers (cache reads and writes included)' })
  input_tokens!: number;

  @ApiProperty({ description: 'Output tokens the provider counted in its answers' })
  output_tokens!: number;
}

export class ProviderStatusDto {
  @ApiProperty({ example: 'claude' })
  key!: string;

  @ApiProperty({ enum: ['openai_compatible', 'anthropic', 'gemini', 'cli'] })
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

  @ApiProperty({ type: ProviderGatewayUsageDto, description: 'Extension: what task containers asked of this provider through the LLM gateway, over the last day' })
  gateway_usage!: ProviderGatewayUsageDto;
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
