import { ApiProperty } from '@nestjs/swagger';
import type { LoginInput } from '@oz/workspace-contract';
import { Transform } from 'class-transformer';
import { IsString, MaxLength } from 'class-validator';
import { normalisedEmail } from '../../common/transforms';
import { stringRequired } from '../../common/validation-messages';

export class LoginDto implements LoginInput {
  @ApiProperty({ example: 'ada@example.com', maxLength: 254 })
  @Transform(normalisedEmail)
  @MaxLength(254)
  @IsString(stringRequired('email'))
  email!: string;

  @ApiProperty({ maxLength: 200 })
  @MaxLength(200)
  @IsString(stringRequired('password'))
  password!: string;
}
