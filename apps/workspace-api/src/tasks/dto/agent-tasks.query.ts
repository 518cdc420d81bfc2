import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsUUID } from 'class-validator';

export class AgentTasksQuery {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'roomId must be a room id' })
  @IsDefined({ message: 'roomId is required' })
  roomId!: string;
}
