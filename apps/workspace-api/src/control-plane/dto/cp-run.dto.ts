import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import {
  ARTIFACT_TYPES,
  HARNESS_TYPES,
  RUN_SOURCES,
  RUN_STATES,
  type AgentRunParams,
  type AgentRunResponse,
  type AmbientAgentConfig,
  type ArtifactItem,
  type ArtifactType,
  type HarnessType,
  type McpServerConfig,
  type PageInfo,
  type PlanArtifact,
  type PullRequestArtifact,
  type RunImage,
  type RunItem,
  type RunListParams,
  type RunListResponse,
  type RunProvider,
  type RunScheduleRef,
  type RunSource,
  type RunState,
  type UserProfile,
} from '@oz/contract';
import type { RunLogLine, RunLogPage } from '@oz/workspace-contract';
import { Transform, Type } from 'class-transformer';
import { IsArray, IsBoolean, IsDateString, IsIn, IsInt, IsObject, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

/**
 * The control plane's run shapes (`@oz/contract`), described for the workspace API's OpenAPI
 * document. Requests are checked only as far as their shape: the control plane validates them in
 * depth and its messages reach the dashboard unchanged.
 */

export class CpHarnessDto {
  @ApiProperty({ enum: HARNESS_TYPES }) type!: HarnessType;
}

export class CpAgentConfigDto implements AmbientAgentConfig {
  @ApiPropertyOptional() base_prompt?: string;
  @ApiPropertyOptional() computer_use_enabled?: boolean;
  @ApiPropertyOptional({ description: 'Runs on a worker, in this environment' }) environment_id?: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'name → {warp_id} | {command, args, env} | {url, headers}; secrets shown as "<redacted>"' })
  mcp_servers?: Record<string, McpServerConfig>;
  @ApiPropertyOptional() model_id?: string;
  @ApiPropertyOptional() name?: string;
  @ApiPropertyOptional() skill_spec?: string;
  @ApiPropertyOptional() worker_host?: string;
  @ApiPropertyOptional({ type: CpHarnessDto }) harness?: CpHarnessDto;
  @ApiPropertyOptional({ minimum: 1, maximum: 60 }) idle_timeout_minutes?: number;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'Variables of a worker run\'s task container (names start with OZ_ROOM_); every value shown as "<redacted>"',
  })
  task_env?: Record<string, string>;
}

export class CpAgentRunResponseDto implements AgentRunResponse {
  @ApiProperty({ format: 'uuid' }) run_id!: string;
  @ApiProperty({ format: 'uuid', description: 'Alias of run_id' }) task_id!: string;
  @ApiProperty({ enum: RUN_STATES, description: 'QUEUED, or PENDING when config.environment_id is set' }) state!: RunState;
}

class CpPlanArtifactDataDto {
  @ApiProperty() document_uid!: string;
  @ApiPropertyOptional() notebook_uid?: string;
  @ApiPropertyOptional() title?: string;
}

export class CpPlanArtifactDto implements PlanArtifact {
  @ApiProperty({ enum: ['PLAN'] }) artifact_type!: 'PLAN';
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ type: CpPlanArtifactDataDto }) data!: CpPlanArtifactDataDto;
}

class CpPullRequestArtifactDataDto {
  @ApiProperty() branch!: string;
  @ApiProperty() url!: string;
}

export class CpPullRequestArtifactDto implements PullRequestArtifact {
  @ApiProperty({ enum: ['PULL_REQUEST'] }) artifact_type!: 'PULL_REQUEST';
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ type: CpPullRequestArtifactDataDto }) data!: CpPullRequestArtifactDataDto;
}

class CpAgentSkillDto {
  @ApiPropertyOptional() full_path?: string;
  @ApiPropertyOptional() name?: string;
}

class CpUserProfileDto implements UserProfile {
  @ApiPropertyOptional() uid?: string;
  @ApiPropertyOptional() display_name?: string;
  @ApiPropertyOptional() photo_url?: string;
  @ApiPropertyOptional({ enum: ['user', 'service_account'] }) type?: 'user' | 'service_account';
}

class CpRunScheduleRefDto implements RunScheduleRef {
  @ApiProperty({ format: 'uuid' }) schedule_id!: string;
  @ApiProperty() schedule_name!: string;
  @ApiProperty() cron_schedule!: string;
}

class CpRunScopeDto {
  @ApiProperty({ enum: ['User', 'Team'] }) type!: 'User' | 'Team';
  @ApiPropertyOptional() uid?: string;
}

class CpStatusMessageDto {
  @ApiProperty() message!: string;
  @ApiPropertyOptional({ description: 'The whole story behind the message; the instance admin only' }) detail?: string;
}

class CpRunProviderDto implements RunProvider {
  @ApiProperty() key!: string;
  @ApiProperty() type!: string;
  @ApiProperty() model!: string;
}

@ApiExtraModels(CpPlanArtifactDto, CpPullRequestArtifactDto)
export class CpRunItemDto implements RunItem {
  @ApiProperty({ format: 'uuid' }) run_id!: string;
  @ApiProperty({ format: 'uuid' }) task_id!: string;
  @ApiProperty() title!: string;
  @ApiProperty() prompt!: string;
  @ApiProperty({ enum: RUN_STATES }) state!: RunState;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) started_at!: string | null;
  @ApiProperty({ enum: RUN_SOURCES }) source!: RunSource;
  @ApiProperty({ type: CpAgentConfigDto }) agent_config!: CpAgentConfigDto;
  @ApiPropertyOptional({ type: CpAgentSkillDto }) agent_skill?: CpAgentSkillDto;
  @ApiProperty({ type: 'array', items: { oneOf: [{ $ref: getSchemaPath(CpPlanArtifactDto) }, { $ref: getSchemaPath(CpPullRequestArtifactDto) }] } })
  artifacts!: ArtifactItem[];
  @ApiProperty({ type: String, nullable: true }) conversation_id!: string | null;
  @ApiProperty({ type: CpUserProfileDto }) creator!: CpUserProfileDto;
  @ApiProperty() is_sandbox_running!: boolean;
  @ApiPropertyOptional({ type: CpRunScheduleRefDto }) schedule?: CpRunScheduleRefDto;
  @ApiProperty({ type: CpRunScopeDto }) scope!: CpRunScopeDto;
  @ApiProperty({ type: String, nullable: true }) session_link!: string | null;
  @ApiProperty({ type: CpStatusMessageDto, nullable: true }) status_message!: CpStatusMessageDto | null;
  @ApiProperty({ type: String, nullable: true, description: 'The answer, growing while the run is in progress; null in lists (read the run for it)' })
  output!: string | null;
  @ApiProperty({ type: CpRunProviderDto, nullable: true }) provider!: CpRunProviderDto | null;
  @ApiProperty({ minimum: 0, description: 'Times a worker took the run' }) attempts!: number;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'The worker executing (or that last executed) a worker run' })
  worker_id?: string | null;
}

class CpPageInfoDto implements PageInfo {
  @ApiProperty() has_next_page!: boolean;
  @ApiPropertyOptional({ description: 'Pass as `cursor` for the next page' }) next_cursor?: string;
}

export class CpRunListDto implements RunListResponse {
  @ApiProperty({ type: [CpRunItemDto], description: 'Newest first; `output` is null here' }) runs!: CpRunItemDto[];
  @ApiProperty({ type: CpPageInfoDto }) page_info!: CpPageInfoDto;
}

const toArray = ({ value }: { value: unknown }) => (value === undefined ? undefined : Array.isArray(value) ? value : [value]);

/** `GET /api/cp/runs`: the SDK's filters, passed on. */
export class CpRunListQuery implements RunListParams {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @Max(100)
  @Min(1)
  @IsInt({ message: 'limit must be a whole number' })
  limit?: number;

  @ApiPropertyOptional({ description: 'page_info.next_cursor of the previous page' }) @IsOptional() @MaxLength(500) @IsString() cursor?: string;

  @ApiPropertyOptional({ enum: RUN_STATES, isArray: true })
  @IsOptional()
  @Transform(toArray)
  @IsIn(RUN_STATES, { each: true, message: `state must be one of ${RUN_STATES.join(', ')}` })
  state?: RunState[];

  @ApiPropertyOptional({ enum: RUN_SOURCES }) @IsOptional() @IsIn(RUN_SOURCES, { message: `source must be one of ${RUN_SOURCES.join(', ')}` }) source?: RunSource;
  @ApiPropertyOptional({ enum: ARTIFACT_TYPES })
  @IsOptional()
  @IsIn(ARTIFACT_TYPES, { message: `artifact_type must be one of ${ARTIFACT_TYPES.join(', ')}` })
  artifact_type?: ArtifactType;
  @ApiPropertyOptional() @IsOptional() @MaxLength(200) @IsString() environment_id?: string;
  @ApiPropertyOptional() @IsOptional() @MaxLength(200) @IsString() model_id?: string;
  @ApiPropertyOptional() @IsOptional() @MaxLength(200) @IsString() name?: string;
  @ApiPropertyOptional({ description: 'Text in the title, prompt or skill' }) @IsOptional() @MaxLength(200) @IsString() q?: string;
  @ApiPropertyOptional() @IsOptional() @MaxLength(200) @IsString() schedule_id?: string;
  @ApiPropertyOptional() @IsOptional() @MaxLength(500) @IsString() skill?: string;
  @ApiPropertyOptional() @IsOptional() @MaxLength(500) @IsString() skill_spec?: string;
  @ApiPropertyOptional({ description: 'creator.uid' }) @IsOptional() @MaxLength(200) @IsString() creator?: string;
  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsDateString({ strict: true }, { message: 'created_after must be an RFC 3339 timestamp' })
  created_after?: string;
  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsDateString({ strict: true }, { message: 'created_before must be an RFC 3339 timestamp' })
  created_before?: string;
  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsDateString({ strict: true }, { message: 'updated_after must be an RFC 3339 timestamp' })
  updated_after?: string;
}

class CpRunImageDto implements RunImage {
  @ApiProperty({ description: 'base64' }) data!: string;
  @ApiProperty({ enum: ['image/jpeg', 'image/png', 'image/gif', 'image/webp'] }) mime_type!: RunImage['mime_type'];
}

/** `POST /api/cp/runs`: the SDK's AgentRunParams, passed on. */
export class CpCreateRunDto implements AgentRunParams {
  @ApiPropertyOptional({ maxLength: 200_000 }) @IsOptional() @MaxLength(200_000) @IsString() prompt?: string;
  @ApiPropertyOptional({ type: CpAgentConfigDto }) @IsOptional() @IsObject({ message: 'config must be an object' }) config?: AmbientAgentConfig;
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
