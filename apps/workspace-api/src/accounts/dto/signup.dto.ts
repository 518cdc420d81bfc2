import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { SignupInput } from '@oz/workspace-contract';
import { Transform } from 'class-transformer';
import { IsEmail, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { normalisedEmail, trimmed } from '../../common/transforms';
import { stringRequired } from '../../common/validation-messages';

export class SignupDto implements SignupInput {
  @ApiProperty({ example: 'Ada Lovelace', maxLength: 100 })
  @Transform(trimmed)
  @MaxLength(100)
  @MinLength(1, { message: 'name must not be empty' })
  @IsString(stringRequired('name'))
  name!: string;

  @ApiProperty({ example: 'ada@example.com', maxLength: 254, description: 'Case does not matter: Ada@Example.com and ada@example.com are one account.' })
  @Transform(normalisedEmail)
  @MaxLength(254)
  @IsEmail({}, { message: 'email must be an email address' })
  @IsString(stringRequired('email'))
  email!: string;

  @ApiProperty({ minLength: 12, maxLength: 200, description: '12–200 characters, three of: lower case, upper case, digits, symbols; not containing your name or email.' })
  @IsString(stringRequired('password'))
  password!: string;

  @ApiPropertyOptional({ maxLength: 200, description: 'An invite token from the instance admin; needed when signup is invite-only (OZ_SIGNUP=invite).' })
  @IsOptional()
  @MaxLength(200)
  @IsString()
  invite_token?: string;
}
