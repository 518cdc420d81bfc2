import { ApiProperty } from '@nestjs/swagger';
import type { ItemList, RoomView } from '@oz/workspace-contract';
import { RoomViewDto } from '../../common/dto/room-view.dto';

export class RoomListDto implements ItemList<RoomView> {
  @ApiProperty({ type: [RoomViewDto], description: 'Oldest first' }) items!: RoomViewDto[];
}
