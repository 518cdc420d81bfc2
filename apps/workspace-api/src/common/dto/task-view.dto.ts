import { ApiProperty } from '@nestjs/swagger';
import { type ItemList, TASK_PRIORITIES, TASK_STATUSES, type TaskPriority, type TaskStatus, type TaskView } from '@oz/workspace-contract';
import { AgentSummaryDto } from './agent-summary.dto';

export class TaskViewDto implements TaskView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) room_id!: string;
  @ApiProperty() title!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ enum: TASK_STATUSES }) status!: TaskStatus;
  @ApiProperty({ enum: TASK_PRIORITIES }) priority!: TaskPriority;
  @ApiProperty({ description: 'Order within its status column, from 0' }) position!: number;
  @ApiProperty({ type: AgentSummaryDto, nullable: true }) assignee!: AgentSummaryDto | null;
  @ApiProperty({ type: AgentSummaryDto, nullable: true }) created_by_agent!: AgentSummaryDto | null;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}

export class TaskListDto implements ItemList<TaskView> {
  @ApiProperty({ type: [TaskViewDto], description: 'By status, then position' }) items!: TaskViewDto[];
}
