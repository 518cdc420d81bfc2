import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';
import { stringRequired } from '../../common/validation-messages';

/** A message an agent posts to a room while it works (not its reply, which its run writes). */
export class AgentMessageDto {
  @ApiPropertyOptional({ format: 'uuid', description: "Required with X-Agent-Key; with a run's room callback token, its room (the default) and no other." })
  @IsOptional()
  @IsUUID('all', { message: 'room_id must be a room id' })
  room_id?: string;

  @ApiPropertyOptional({ format: 'uuid', description: "The agent posting it; must be in the room. Required with X-Agent-Key; with a run's room callback token, its agent (the default) and no other." })
  @IsOptional()
  @IsUUID('all', { message: 'agent_id must be an agent id' })
  agent_id?: string;

  @ApiProperty({ maxLength: 20_000, description: "Markdown. Posted with a run's room callback token, its @mentions invoke teammates one level deeper, as the run's reply would." })
  @MaxLength(20_000)
  @Matches(/\S/, { message: 'content must not be blank' })
  @MinLength(1, { message: 'content must not be empty' })
  @IsString(stringRequired('content'))
  content!: string;
}
