import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';

/** Body of `POST /admin/tenant-keys`. */
export class CreateTenantKeyDto {
  @ApiProperty({ maxLength: 100, example: 'team-data', description: 'Who the key is for; shown in the list' })
  @Matches(/\S/, { message: 'name must not be blank' })
  @MaxLength(100)
  @MinLength(1)
  @IsString()
  name!: string;

  @ApiPropertyOptional({
    minLength: 32,
    description:
      'Register this existing token instead of generating one, so a tenant of open tenancy keeps its runs, environments and schedules (at least 32 characters, no spaces)',
  })
  @IsOptional()
  @Matches(/^\S+$/, { message: 'token must not contain spaces' })
  @MaxLength(4096)
  @MinLength(32, { message: 'token must be at least 32 characters' })
  @IsString()
  token?: string;
}

export class TenantKeyDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ example: 'tenant_3f9a1c0b7d2e4a51', description: "The tenant's id as runs show it in creator.uid" })
  tenant!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Last request with the key (to the minute)' })
  last_used_at!: string | null;
}

/** The answer of `POST /admin/tenant-keys`: the only time the token is shown. */
export class IssuedTenantKeyDto extends TenantKeyDto {
  @ApiProperty({ description: 'The bearer token; shown once, stored only as its sha256' }) token!: string;
}

export class TenantKeyListDto {
  @ApiProperty({ type: [TenantKeyDto] }) tenant_keys!: TenantKeyDto[];
}
