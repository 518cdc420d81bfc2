import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';
import type { ErrorBody, FieldError } from '@oz/contract';
import { STATUS_CODES } from 'node:http';

/** The OpenAPI schema of `FieldError`. */
export class FieldErrorDto implements FieldError {
  @ApiProperty({ example: 'name' }) field!: string;
  @ApiProperty({ example: 'name must not be empty' }) message!: string;
}

/** The OpenAPI schema of the one error body (`ErrorBody`) every route answers with. */
export class ErrorBodyDto implements ErrorBody {
  @ApiProperty({ example: 404 }) status!: number;
  @ApiProperty({ example: 'Not Found', description: 'The HTTP status text' }) error!: string;
  @ApiProperty({ example: 'resource_not_found', description: 'Stable, for programs' }) code!: string;
  @ApiProperty({ description: 'For people; for a field error it repeats the field messages' }) message!: string;
  @ApiProperty({ example: 'req_3b1f…', description: 'Also in the X-Request-Id header and the server log' }) request_id!: string;
  @ApiPropertyOptional({ type: [FieldErrorDto] }) errors?: FieldErrorDto[];
  @ApiProperty({ description: 'True for 429 and 503 (then Retry-After says when)' }) retryable!: boolean;
}

/** Documents the error statuses a route may answer, each with the one error body. */
export function ApiErrorResponses(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(...statuses.map((status) => ApiResponse({ status, type: ErrorBodyDto, description: STATUS_CODES[status] })));
}
