import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  registerDecorator,
  ValidateNested,
} from 'class-validator';
import { AgentConfigDto } from '@oz/api-dto';
import { cronProblem } from '../cron';


function IsCron() {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isCron',
      target: object.constructor,
      propertyName,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && cronProblem(value) === null,
        defaultMessage: (args) =>
          typeof args?.value === 'string' ? (cronProblem(args.value) as string) : 'cron_schedule must be a string',
      },
    });
}

/**
 * Decorators run bottom-up and the validation pipe stops at a property's first error, so the type
 * check sits closest to each property: `name: 5` must say "must be a string", not "must not be blank".
 */
class ScheduleFieldsDto {
  @ApiProperty({ maxLength: 200 })
  @Matches(/\S/, { message: 'name must not be blank' })
  @MaxLength(200)
  @MinLength(1)
  @IsString()
  name!: string;

  @ApiProperty({ example: '0 9 * * 1-5', description: '5-field cron, UTC' })
  @IsCron()
  cron_schedule!: string;

  @ApiProperty({ maxLength: 200_000 })
  @Matches(/\S/, { message: 'prompt must not be blank' })
  @MaxLength(200_000)
  @MinLength(1)
  @IsString()
  prompt!: string;

  @ApiPropertyOptional({ type: AgentConfigDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => AgentConfigDto)
  agent_config?: AgentConfigDto;
}

export class CreateScheduleDto extends ScheduleFieldsDto {
  @ApiPropertyOptional({ default: true }) @IsOptional() @IsBoolean() enabled?: boolean;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() team?: boolean;
}

/** PUT replaces the schedule: name, cron_schedule, prompt and enabled are all required. */
export class UpdateScheduleDto extends ScheduleFieldsDto {
  @ApiProperty() @IsBoolean() enabled!: boolean;
}
