import { ApiProperty } from '@nestjs/swagger';
import type { RoomView } from '@oz/workspace-contract';
import { RoomAgentDto } from '../../common/dto/room-view.dto';

/** What a public viewer sees of a room: no share id, no pause switch, nothing about its owner. */
export type PublicRoom = Omit<RoomView, 'share_id' | 'paused'>;

export class PublicRoomDto implements PublicRoom {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ type: [RoomAgentDto] }) agents!: RoomAgentDto[];
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) updated_at!: string;
}
