import { ApiProperty } from '@nestjs/swagger';
import type { AgentRunPage, AgentRunPageQuery as AgentRunPageInput } from '@oz/workspace-contract';
import { AgentRunViewDto } from '../../common/dto/agent-run-view.dto';
import { PageLimit } from '../../common/dto/page-limit';
import { BeforeCursor } from '../../common/page-cursor';

export class AgentRunListDto implements AgentRunPage {
  @ApiProperty({ type: [AgentRunViewDto], description: 'Newest first' }) items!: AgentRunViewDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as `before` for the next (older) page; null when there is none' }) next_cursor!: string | null;
}

export class AgentRunPageQuery implements AgentRunPageInput {
  @BeforeCursor()
  before?: string;

  @PageLimit()
  limit?: number;
}
