import { ApiProperty } from '@nestjs/swagger';
import type { AgentRunStatus, RoomAgent, RoomView } from '@oz/workspace-contract';

const AGENT_RUN_STATUSES: AgentRunStatus[] = ['idle', 'running', 'error'];

export class RoomAgentDto implements RoomAgent {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ example: '#3B82F6' }) color!: string;
  @ApiProperty({ example: 'robot' }) icon!: string;
  @ApiProperty({ example: 'claude-code' }) harness!: string;
  @ApiProperty({ enum: AGENT_RUN_STATUSES, description: 'In this room only: running while it replies here, error when its last reply here failed' })
  status!: AgentRunStatus;
}

export class RoomViewDto implements RoomView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ description: 'Paused rooms invoke no agents' }) paused!: boolean;
  @ApiProperty({ type: String, nullable: true, description: 'The public read-only link is /share/<share_id>' }) share_id!: string | null;
  @ApiProperty({ type: [RoomAgentDto] }) agents!: RoomAgentDto[];
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}
