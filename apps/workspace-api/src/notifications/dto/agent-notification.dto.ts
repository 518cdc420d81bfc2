import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { stringRequired } from '../../common/validation-messages';

export class AgentNotificationDto {
  @ApiPropertyOptional({ format: 'uuid', description: "Required with X-Agent-Key; with a run's room callback token, its room (the default) and no other." })
  @IsOptional()
  @IsUUID('all', { message: 'room_id must be a room id' })
  room_id?: string;

  @ApiPropertyOptional({ format: 'uuid', description: "The agent sending it; must be in the room. Required with X-Agent-Key; with a run's room callback token, its agent (the default) and no other." })
  @IsOptional()
  @IsUUID('all', { message: 'agent_id must be an agent id' })
  agent_id?: string;

  @ApiProperty({ maxLength: 5000 })
  @MaxLength(5000)
  @MinLength(1, { message: 'message must not be empty' })
  @IsString(stringRequired('message'))
  message!: string;
}
