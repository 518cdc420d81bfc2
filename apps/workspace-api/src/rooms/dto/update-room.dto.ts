import { ApiPropertyOptional } from '@nestjs/swagger';
import type { RoomUpdate } from '@oz/workspace-contract';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsOptional, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { trimmed } from '../../common/transforms';

export class UpdateRoomDto implements RoomUpdate {
  @ApiPropertyOptional({ maxLength: 100 })
  @IsOptional()
  @Transform(trimmed)
  @MaxLength(100)
  @MinLength(1, { message: 'name must not be empty' })
  @IsString()
  name?: string;

  @ApiPropertyOptional({ maxLength: 5000 })
  @IsOptional()
  @MaxLength(5000)
  @IsString()
  description?: string;

  @ApiPropertyOptional({ type: [String], format: 'uuid', maxItems: 50, description: 'Replaces the members.' })
  @IsOptional()
  @IsUUID('all', { each: true, message: 'agent_ids must hold agent ids' })
  @ArrayMaxSize(50)
  @IsArray()
  agent_ids?: string[];
}
