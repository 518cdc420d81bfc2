import { ApiProperty } from '@nestjs/swagger';
import type { AgentSummary } from '@oz/workspace-contract';

/** How an agent appears on what it wrote or was given (messages, tasks, artifacts, notifications). */
export class AgentSummaryDto implements AgentSummary {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ example: '#3B82F6' }) color!: string;
  @ApiProperty({ example: 'robot' }) icon!: string;
}
