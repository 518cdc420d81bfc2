import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, MaxLength, MinLength } from 'class-validator';
import { stringRequired } from '../common/validation-messages';

const trimmed = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const email = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value);

export class SignupDto {
  @ApiProperty({ example: 'Ada Lovelace' })
  @Transform(trimmed)
  @MaxLength(100)
  @MinLength(1, { message: 'name must not be empty' })
  @IsString(stringRequired('name'))
  name!: string;

  @ApiProperty({ example: 'ada@example.com', description: 'Case does not matter: Ada@Example.com and ada@example.com are one account.' })
  @Transform(email)
  @MaxLength(254)
  @IsEmail({}, { message: 'email must be an email address' })
  @IsString(stringRequired('email'))
  email!: string;

  @ApiProperty({ description: '12–200 characters, three of: lower case, upper case, digits, symbols; not containing your name or email.' })
  @IsString(stringRequired('password'))
  password!: string;
}

export class LoginDto {
  @ApiProperty()
  @Transform(email)
  @MaxLength(254)
  @IsString(stringRequired('email'))
  email!: string;

  @ApiProperty()
  @MaxLength(200)
  @IsString(stringRequired('password'))
  password!: string;
}

export class UserDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() email!: string;
}
