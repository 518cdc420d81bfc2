import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsOptional, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { stringRequired } from '../common/validation-messages';

const trimmed = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class CreateRoomDto {
  @ApiProperty({ example: 'fraud-detection' })
  @Transform(trimmed)
  @MaxLength(100)
  @MinLength(1, { message: 'name must not be empty' })
  @IsString(stringRequired('name'))
  name!: string;

  @ApiPropertyOptional({ description: 'Agents see it in their context.' })
  @IsOptional()
  @MaxLength(5000)
  @IsString()
  description?: string;

  @ApiPropertyOptional({ type: [String], description: 'Your agents to add as members.' })
  @IsOptional()
  @IsUUID('all', { each: true, message: 'agent_ids must hold agent ids' })
  @ArrayMaxSize(50)
  @IsArray()
  agent_ids?: string[];
}

export class UpdateRoomDto {
  @ApiPropertyOptional()
  @IsOptional()
  @Transform(trimmed)
  @MaxLength(100)
  @MinLength(1, { message: 'name must not be empty' })
  @IsString()
  name?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @MaxLength(5000)
  @IsString()
  description?: string;

  @ApiPropertyOptional({ type: [String], description: 'Replaces the members.' })
  @IsOptional()
  @IsUUID('all', { each: true, message: 'agent_ids must hold agent ids' })
  @ArrayMaxSize(50)
  @IsArray()
  agent_ids?: string[];
}
