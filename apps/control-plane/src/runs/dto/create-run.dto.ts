import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IMAGE_MIME_TYPES, MAX_RUN_IMAGES, type ImageMimeType } from '@oz/contract';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBase64,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { RunConfigDto } from '@oz/api-dto';

export class RunImageDto {
  @ApiProperty({ description: 'Base64 image bytes' })
  @IsBase64(undefined, { message: 'data must be base64' })
  @IsString()
  data!: string;

  @ApiProperty({ enum: IMAGE_MIME_TYPES })
  @IsIn(IMAGE_MIME_TYPES, { message: `mime_type must be one of ${IMAGE_MIME_TYPES.join(', ')}` })
  mime_type!: ImageMimeType;
}

/** Body of `POST /agent/run(s)`; `prompt` is required unless a skill names the work. */
export class CreateRunDto {
  @ApiPropertyOptional({ maxLength: 200_000 })
  @IsOptional()
  @MaxLength(200_000)
  @IsString()
  prompt?: string;

  @ApiPropertyOptional({ type: RunConfigDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => RunConfigDto)
  config?: RunConfigDto;

  @ApiPropertyOptional() @IsOptional() @MaxLength(200) @IsString() conversation_id?: string;

  @ApiPropertyOptional({ type: [RunImageDto], maxItems: MAX_RUN_IMAGES })
  @IsOptional()
  @ValidateNested({ each: true })
  @ArrayMaxSize(MAX_RUN_IMAGES, { message: `images may hold at most ${MAX_RUN_IMAGES} images` })
  @IsArray()
  @Type(() => RunImageDto)
  images?: RunImageDto[];

  @ApiPropertyOptional({ description: 'Skill spec such as owner/repo:skill-name; wins over config.skill_spec' })
  @IsOptional()
  @MaxLength(500)
  @IsString()
  skill?: string;

  @ApiPropertyOptional() @IsOptional() @IsBoolean() team?: boolean;

  @ApiPropertyOptional({ maxLength: 500 }) @IsOptional() @MaxLength(500) @IsString() title?: string;
}
