import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { type CreatedInviteView, type InviteInput, type InviteState, type InviteView, type ItemList } from '@oz/workspace-contract';
import { Transform } from 'class-transformer';
import { IsEmail, IsOptional, IsString, MaxLength } from 'class-validator';
import { normalisedEmail } from '../../common/transforms';

export class CreateInviteDto implements InviteInput {
  @ApiPropertyOptional({ example: 'grace@example.com', maxLength: 254, description: 'Only this email may sign up with the invite; left out: whoever holds the link.' })
  @Transform(normalisedEmail)
  @IsOptional()
  @MaxLength(254)
  @IsEmail({}, { message: 'email must be an email address' })
  @IsString()
  email?: string;
}

const STATES: InviteState[] = ['pending', 'used', 'expired'];

export class InviteViewDto implements InviteView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ type: String, nullable: true, description: 'Only this email may use it; null: anyone holding the link' }) email!: string | null;
  @ApiProperty({ enum: STATES }) state!: InviteState;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ format: 'date-time' }) expires_at!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) used_at!: string | null;
}

export class CreatedInviteDto extends InviteViewDto implements CreatedInviteView {
  @ApiProperty({ description: 'The invite token, shown this once (only its hash is kept)' }) token!: string;
  @ApiProperty({ example: '/signup?invite=oz_invite_…', description: "Where the invited person signs up, relative to the dashboard's address" }) link!: string;
}

export class InviteListDto implements ItemList<InviteView> {
  @ApiProperty({ type: [InviteViewDto], description: 'Newest first (the latest 200)' }) items!: InviteViewDto[];
}
