import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import {
  RUN_SOURCES,
  RUN_STATES,
  type AgentRunResponse,
  type ArtifactItem,
  type PageInfo,
  type PlanArtifact,
  type PullRequestArtifact,
  type RunItem,
  type RunListResponse,
  type RequestUsageCounts,
  type RunProvider,
  type RunRequestUsage,
  type RunScheduleRef,
  type RunSource,
  type RunState,
  type UserProfile,
} from '@oz/contract';
import { RunConfigDto } from './agent-config.dto';

/** Response DTOs of the runs routes: the contract's types, described for OpenAPI. */

export class AgentRunResponseDto implements AgentRunResponse {
  @ApiProperty({ format: 'uuid' }) run_id!: string;
  @ApiProperty({ format: 'uuid', description: 'Deprecated alias of run_id, kept because older SDKs read it' }) task_id!: string;
  @ApiProperty({ enum: RUN_STATES, description: 'QUEUED, or PENDING when config.environment_id is set' }) state!: RunState;
}

class PlanArtifactDataDto {
  @ApiProperty() document_uid!: string;
  @ApiPropertyOptional() notebook_uid?: string;
  @ApiPropertyOptional() title?: string;
}

export class PlanArtifactDto implements PlanArtifact {
  @ApiProperty({ enum: ['PLAN'] }) artifact_type!: 'PLAN';
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ type: PlanArtifactDataDto }) data!: PlanArtifactDataDto;
}

class PullRequestArtifactDataDto {
  @ApiProperty() branch!: string;
  @ApiProperty({ example: 'https://github.com/acme/app/pull/12' }) url!: string;
}

export class PullRequestArtifactDto implements PullRequestArtifact {
  @ApiProperty({ enum: ['PULL_REQUEST'] }) artifact_type!: 'PULL_REQUEST';
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ type: PullRequestArtifactDataDto }) data!: PullRequestArtifactDataDto;
}

class AgentSkillDto {
  @ApiPropertyOptional({ example: 'acme/skills:review' }) full_path?: string;
  @ApiPropertyOptional({ example: 'review' }) name?: string;
}

class UserProfileDto implements UserProfile {
  @ApiPropertyOptional() uid?: string;
  @ApiPropertyOptional() display_name?: string;
  @ApiPropertyOptional() photo_url?: string;
  @ApiPropertyOptional({ enum: ['user', 'service_account'] }) type?: 'user' | 'service_account';
}

class RunScheduleRefDto implements RunScheduleRef {
  @ApiProperty({ format: 'uuid' }) schedule_id!: string;
  @ApiProperty() schedule_name!: string;
  @ApiProperty() cron_schedule!: string;
}

class RunScopeDto {
  @ApiProperty({ enum: ['User', 'Team'] }) type!: 'User' | 'Team';
  @ApiPropertyOptional() uid?: string;
}

class StatusMessageDto {
  @ApiProperty({ description: "What the run's tenant is told" }) message!: string;
  @ApiPropertyOptional({ description: 'Extension, admin key only: the whole story behind the message (which providers failed and why)' })
  detail?: string;
}

class RequestUsageCountsDto implements RequestUsageCounts {
  @ApiProperty({ description: 'Calls made to providers (answered or failed)' }) calls!: number;
  @ApiProperty({ description: 'Calls that failed (an error status, a broken stream, a timeout)' }) failed_calls!: number;
  @ApiProperty({ description: 'Input tokens the providers counted (cache reads and writes included)' }) input_tokens!: number;
  @ApiProperty({ description: 'Output tokens the providers counted' }) output_tokens!: number;
}

class ProviderRequestUsageDto extends RequestUsageCountsDto {
  @ApiProperty({ example: 'claude' }) provider!: string;
}

class RunRequestUsageDto extends RequestUsageCountsDto implements RunRequestUsage {
  @ApiProperty({ type: [ProviderRequestUsageDto], description: 'The same per provider key, in key order' }) by_provider!: ProviderRequestUsageDto[];
}

class RunProviderDto implements RunProvider {
  @ApiProperty({ example: 'claude' }) key!: string;
  @ApiProperty({ example: 'anthropic' }) type!: string;
  @ApiProperty() model!: string;
}

@ApiExtraModels(PlanArtifactDto, PullRequestArtifactDto)
export class RunItemDto implements RunItem {
  @ApiProperty({ format: 'uuid' }) run_id!: string;
  @ApiProperty({ format: 'uuid', description: 'Alias of run_id' }) task_id!: string;
  @ApiProperty() title!: string;
  @ApiProperty() prompt!: string;
  @ApiProperty({ enum: RUN_STATES }) state!: RunState;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) started_at!: string | null;
  @ApiProperty({ enum: RUN_SOURCES }) source!: RunSource;
  @ApiProperty({ type: RunConfigDto }) agent_config!: RunConfigDto;
  @ApiPropertyOptional({ type: AgentSkillDto }) agent_skill?: AgentSkillDto;
  @ApiProperty({
    type: 'array',
    items: { oneOf: [{ $ref: getSchemaPath(PlanArtifactDto) }, { $ref: getSchemaPath(PullRequestArtifactDto) }] },
  })
  artifacts!: ArtifactItem[];
  @ApiProperty({ type: String, nullable: true }) conversation_id!: string | null;
  @ApiProperty({ type: UserProfileDto }) creator!: UserProfileDto;
  @ApiProperty({ description: 'True while a worker holds the run (CLAIMED, or INPROGRESS in a task container)' }) is_sandbox_running!: boolean;
  @ApiPropertyOptional({ type: RunScheduleRefDto }) schedule?: RunScheduleRefDto;
  @ApiProperty({ type: RunScopeDto }) scope!: RunScopeDto;
  @ApiProperty({ type: String, nullable: true }) session_link!: string | null;
  @ApiProperty({ type: StatusMessageDto, nullable: true }) status_message!: StatusMessageDto | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: "Extension: the run's answer (a provider's text, or the task's output file), growing while the run is in progress",
  })
  output!: string | null;
  @ApiProperty({ type: RunProviderDto, nullable: true, description: 'Extension: the provider and model that answered a provider run' })
  provider!: RunProviderDto | null;
  @ApiProperty({
    type: Number,
    minimum: 0,
    description: 'Extension: times a worker took the run (claimed it); more than 1 when a lost worker’s run was retried on another',
  })
  attempts!: number;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'Extension: the worker executing a worker run (the last that took it, once it ended); null for provider runs' })
  worker_id?: string | null;
  @ApiPropertyOptional({
    type: RunRequestUsageDto,
    nullable: true,
    description: "Extension: what the run's task asked of the LLM gateway (calls, tokens in and out, per provider); null before its first call",
  })
  request_usage?: RunRequestUsageDto | null;
}

class PageInfoDto implements PageInfo {
  @ApiProperty() has_next_page!: boolean;
  @ApiPropertyOptional({ description: 'Pass as `cursor` for the next page' }) next_cursor?: string;
}

export class RunListResponseDto implements RunListResponse {
  @ApiProperty({ type: [RunItemDto] }) runs!: RunItemDto[];
  @ApiProperty({ type: PageInfoDto }) page_info!: PageInfoDto;
}
