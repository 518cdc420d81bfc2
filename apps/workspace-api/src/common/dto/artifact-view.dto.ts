import { ApiProperty } from '@nestjs/swagger';
import type { ArtifactView, ItemList } from '@oz/workspace-contract';
import { AgentSummaryDto } from './agent-summary.dto';

export class ArtifactViewDto implements ArtifactView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) room_id!: string;
  @ApiProperty({ example: 'plan', description: 'plan, pr, document, sheet, or another lower-case word' }) type!: string;
  @ApiProperty() title!: string;
  @ApiProperty() content!: string;
  @ApiProperty({ type: String, nullable: true }) url!: string | null;
  @ApiProperty({ type: AgentSummaryDto, nullable: true, description: 'The agent whose run produced it' }) agent!: AgentSummaryDto | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) run_id!: string | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
}

export class ArtifactListDto implements ItemList<ArtifactView> {
  @ApiProperty({ type: [ArtifactViewDto], description: 'Newest first' }) items!: ArtifactViewDto[];
}
