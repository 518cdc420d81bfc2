import { ApiProperty } from '@nestjs/swagger';
import { AGENT_HARNESSES, AGENT_ICONS, type AgentView, type ItemList } from '@oz/workspace-contract';

export class AgentViewDto implements AgentView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ example: '#3B82F6' }) color!: string;
  @ApiProperty({ enum: AGENT_ICONS }) icon!: string;
  @ApiProperty({ enum: AGENT_HARNESSES }) harness!: string;
  @ApiProperty({ type: String, nullable: true }) model!: string | null;
  @ApiProperty({ type: String, nullable: true }) environment_id!: string | null;
  @ApiProperty() system_prompt!: string;
  @ApiProperty({ type: String, nullable: true }) repo_url!: string | null;
  @ApiProperty({ type: [String] }) skills!: string[];
  @ApiProperty({ type: 'object', additionalProperties: true }) mcp_servers!: Record<string, unknown>;
  @ApiProperty({ type: [String], description: 'Rooms where this agent is replying right now' }) running_in_room_ids!: string[];
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

export class AgentListDto implements ItemList<AgentView> {
  @ApiProperty({ type: [AgentViewDto], description: 'Oldest first' }) items!: AgentViewDto[];
}
