import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { RoomInput } from '@oz/workspace-contract';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsOptional, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { trimmed } from '../../common/transforms';
import { stringRequired } from '../../common/validation-messages';

export class CreateRoomDto implements RoomInput {
  @ApiProperty({ example: 'fraud-detection', maxLength: 100 })
  @Transform(trimmed)
  @MaxLength(100)
  @MinLength(1, { message: 'name must not be empty' })
  @IsString(stringRequired('name'))
  name!: string;

  @ApiPropertyOptional({ maxLength: 5000, description: 'Agents see it in their context.' })
  @IsOptional()
  @MaxLength(5000)
  @IsString()
  description?: string;

  @ApiPropertyOptional({ type: [String], format: 'uuid', maxItems: 50, description: 'Your agents to add as members.' })
  @IsOptional()
  @IsUUID('all', { each: true, message: 'agent_ids must hold agent ids' })
  @ArrayMaxSize(50)
  @IsArray()
  agent_ids?: string[];
}
