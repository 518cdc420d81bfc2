import { ApiProperty } from '@nestjs/swagger';
import { IsString } from 'class-validator';
import { stringRequired } from '../../common/validation-messages';

export class EventsQuery {
  @ApiProperty({ format: 'uuid', description: 'One of your rooms' })
  @IsString(stringRequired('roomId'))
  roomId!: string;
}
