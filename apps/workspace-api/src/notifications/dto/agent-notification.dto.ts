import { ApiProperty } from '@nestjs/swagger';
import { IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { stringRequired } from '../../common/validation-messages';

export class AgentNotificationDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'room_id must be a room id' })
  room_id!: string;

  @ApiProperty({ format: 'uuid', description: 'The agent sending it; must be in the room' })
  @IsUUID('all', { message: 'agent_id must be an agent id' })
  agent_id!: string;

  @ApiProperty({ maxLength: 5000 })
  @MaxLength(5000)
  @MinLength(1, { message: 'message must not be empty' })
  @IsString(stringRequired('message'))
  message!: string;
}
