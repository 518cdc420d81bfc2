import { ApiProperty } from '@nestjs/swagger';
import type { AgentRunView, ItemList } from '@oz/workspace-contract';
import { AgentRunViewDto } from '../../common/dto/agent-run-view.dto';

export class AgentRunListDto implements ItemList<AgentRunView> {
  @ApiProperty({ type: [AgentRunViewDto], description: 'The latest 100, newest first' }) items!: AgentRunViewDto[];
}
