import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';
import { CreateTaskDto } from './create-task.dto';

/** What an external agent may send: the same as a person, plus the room and who created it. */
export class AgentCreateTaskDto extends CreateTaskDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'room_id must be a room id' })
  room_id!: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'The agent creating the task (must be in the room).' })
  @IsOptional()
  @IsUUID('all', { message: 'created_by must be an agent id' })
  created_by?: string;
}
