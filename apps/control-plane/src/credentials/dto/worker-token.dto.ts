import { ApiProperty } from '@nestjs/swagger';
import { isValidWorkerId, WORKER_ID_RULE } from '@oz/contract';
import { IsString, ValidateBy } from 'class-validator';

/** Body of `POST /admin/worker-tokens`. */
export class CreateWorkerTokenDto {
  @ApiProperty({ example: 'build-1', description: 'The only worker id the token may connect as' })
  @ValidateBy({ name: 'isWorkerId', validator: { validate: (value: unknown) => typeof value === 'string' && isValidWorkerId(value), defaultMessage: () => WORKER_ID_RULE } })
  @IsString()
  worker_id!: string;
}

export class WorkerTokenDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() worker_id!: string;
  @ApiProperty({ format: 'date-time' }) created_at!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Last connection with the token (to the minute)' })
  last_used_at!: string | null;
}

/** The answer of `POST /admin/worker-tokens`: the only time the token is shown. */
export class IssuedWorkerTokenDto extends WorkerTokenDto {
  @ApiProperty({ description: 'The worker’s OZ_WORKER_API_KEY; shown once, stored only as its sha256' }) token!: string;
}

export class WorkerTokenListDto {
  @ApiProperty({ type: [WorkerTokenDto] }) worker_tokens!: WorkerTokenDto[];
}
