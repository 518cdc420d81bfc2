import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ArtifactInput } from '@oz/workspace-contract';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, IsUrl, Matches, MaxLength, MinLength } from 'class-validator';
import { trimmed } from '../../common/transforms';
import { stringRequired } from '../../common/validation-messages';

export class CreateArtifactDto implements ArtifactInput {
  @ApiProperty({ example: 'plan', description: 'plan, pr, document, sheet, or another lower-case word' })
  @Matches(/^[a-z][a-z0-9_-]{0,31}$/, { message: 'type must be a lower-case word such as plan, pr, document or sheet' })
  @IsString(stringRequired('type'))
  type!: string;

  @ApiProperty({ maxLength: 300 })
  @Transform(trimmed)
  @MaxLength(300)
  @MinLength(1, { message: 'title must not be empty' })
  @IsString(stringRequired('title'))
  title!: string;

  @ApiPropertyOptional({ maxLength: 500_000 })
  @IsOptional()
  @MaxLength(500_000)
  @IsString()
  content?: string;

  @ApiPropertyOptional({ maxLength: 2000, description: 'A room holds one artifact of a type per URL.' })
  @IsOptional()
  @MaxLength(2000)
  @IsUrl({ require_protocol: true, protocols: ['http', 'https'], require_tld: false }, { message: 'url must be an http(s) URL' })
  url?: string;
}
