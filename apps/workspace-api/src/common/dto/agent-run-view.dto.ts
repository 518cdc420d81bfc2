import { ApiProperty } from '@nestjs/swagger';
import type { AgentRunState, AgentRunView } from '@oz/workspace-contract';

const AGENT_RUN_STATES: AgentRunState[] = ['QUEUED', 'INPROGRESS', 'SUCCEEDED', 'FAILED', 'CANCELLED'];

/** One agent's reply in a room. */
export class AgentRunViewDto implements AgentRunView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) room_id!: string;
  @ApiProperty({ format: 'uuid' }) agent_id!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The run whose reply mentioned this agent; null for a person\'s message' })
  parent_run_id!: string | null;
  @ApiProperty({ description: 'Mentions between agents so far (a person\'s mention is 0)' }) depth!: number;
  @ApiProperty({ format: 'uuid' }) reply_message_id!: string;
  @ApiProperty({ enum: AGENT_RUN_STATES }) state!: AgentRunState;
  @ApiProperty({ enum: ['local', 'remote'] }) mode!: string;
  @ApiProperty({ type: String, nullable: true, description: 'The control-plane run, in remote mode' }) remote_run_id!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'custom/fake-model' }) provider!: string | null;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) started_at!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) completed_at!: string | null;
}
