import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';
import { CreateTaskDto } from './create-task.dto';

/**
 * What an external agent may send: the same as a person, plus the room and who created it. With a
 * run's room callback token both may be left out (its room, its agent).
 */
export class AgentCreateTaskDto extends CreateTaskDto {
  @ApiPropertyOptional({ format: 'uuid', description: "Required with X-Agent-Key; with a run's room callback token, its room (the default) and no other." })
  @IsOptional()
  @IsUUID('all', { message: 'room_id must be a room id' })
  room_id?: string;

  @ApiPropertyOptional({ format: 'uuid', description: "The agent creating the task (must be in the room); with a run's room callback token, its agent (the default) and no other." })
  @IsOptional()
  @IsUUID('all', { message: 'created_by must be an agent id' })
  created_by?: string;
}
