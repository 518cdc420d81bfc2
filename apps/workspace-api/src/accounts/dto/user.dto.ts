import { ApiProperty } from '@nestjs/swagger';
import type { UserView } from '@oz/workspace-contract';

export class UserDto implements UserView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ description: 'The instance admin: the first account. Manages invites (/api/admin/invites).' }) is_admin!: boolean;
}
