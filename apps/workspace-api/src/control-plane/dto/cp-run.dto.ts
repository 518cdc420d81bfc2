import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { RunConfigDto } from '@oz/api-dto';
import type { AgentRunParams, AmbientAgentConfig, RunImage } from '@oz/contract';
import type { RunLogLine, RunLogPage } from '@oz/workspace-contract';
import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsInt, IsObject, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

/**
 * What the BFF's run routes take beyond the control plane's own shapes (`@oz/api-dto`, which
 * describe its answers and its list filters). Requests are checked only as far as their shape: the
 * control plane validates them in depth and its messages reach the dashboard unchanged.
 */

class CpRunImageDto implements RunImage {
  @ApiProperty({ description: 'base64' }) data!: string;
  @ApiProperty({ enum: ['image/jpeg', 'image/png', 'image/gif', 'image/webp'] }) mime_type!: RunImage['mime_type'];
}

/** `POST /api/cp/runs`: the SDK's AgentRunParams, passed on. */
export class CpCreateRunDto implements AgentRunParams {
  @ApiPropertyOptional({ maxLength: 200_000 }) @IsOptional() @MaxLength(200_000) @IsString() prompt?: string;
  @ApiPropertyOptional({ type: RunConfigDto }) @IsOptional() @IsObject({ message: 'config must be an object' }) config?: AmbientAgentConfig;
  @ApiPropertyOptional() @IsOptional() @MaxLength(200) @IsString() conversation_id?: string;
  @ApiPropertyOptional({ type: [CpRunImageDto] }) @IsOptional() @IsArray() images?: RunImage[];
  @ApiPropertyOptional() @IsOptional() @MaxLength(500) @IsString() skill?: string;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() team?: boolean;
  @ApiPropertyOptional({ maxLength: 200 }) @IsOptional() @MaxLength(200) @IsString() title?: string;
}

export class CpRunLogsQuery {
  @ApiPropertyOptional({ minimum: 0, default: 0, description: 'The id of the last line read: lines after it' })
  @IsOptional()
  @Type(() => Number)
  @Min(0)
  @IsInt({ message: 'after must be a whole number' })
  after?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 500 })
  @IsOptional()
  @Type(() => Number)
  @Max(1000)
  @Min(1)
  @IsInt({ message: 'limit must be a whole number' })
  limit?: number;
}

class CpRunLogLineDto implements RunLogLine {
  @ApiProperty() id!: number;
  @ApiProperty() line!: string;
  @ApiProperty({ format: 'date-time' }) logged_at!: string;
}

export class CpRunLogPageDto implements RunLogPage {
  @ApiProperty({ type: [CpRunLogLineDto], description: 'Oldest first' }) lines!: CpRunLogLineDto[];
  @ApiProperty({ description: 'Pass as `after` to read on' }) next_after!: number;
}
