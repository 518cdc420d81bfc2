import { ApiProperty } from '@nestjs/swagger';
import type { MessageInput } from '@oz/workspace-contract';
import { IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { stringRequired } from '../../common/validation-messages';

export class PostMessageDto implements MessageInput {
  @ApiProperty({ maxLength: 100_000, description: "Markdown; @Name mentions invoke the room's agents." })
  @MaxLength(100_000)
  @Matches(/\S/, { message: 'content must not be blank' })
  @MinLength(1, { message: 'content must not be empty' })
  @IsString(stringRequired('content'))
  content!: string;
}
