import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';

export class AgentTasksQuery {
  @ApiPropertyOptional({ format: 'uuid', description: "Required with X-Agent-Key; with a run's room callback token, its room (the default) and no other." })
  @IsOptional()
  @IsUUID('all', { message: 'roomId must be a room id' })
  roomId?: string;
}
