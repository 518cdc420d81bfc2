import { ArgumentMetadata, Injectable, PipeTransform, ValidationError, ValidationPipe } from '@nestjs/common';
import type { FieldError } from '@oz/contract';
import { ApiException } from '../errors/api-exception';

/** Flattens class-validator's tree into `config.model_id: must be a string` style field errors. */
export function fieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    // class-validator names only the property; name the full path so nested errors are unambiguous.
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field,
      message: message.startsWith(error.property) ? field + message.slice(error.property.length) : message,
    }));
    return [...own, ...fieldErrors(error.children ?? [], field)];
  });
}

export function validationException(errors: ValidationError[]): ApiException {
  const list = fieldErrors(errors);
  const summary = list.map((e) => e.message).join('; ');
  return ApiException.badRequest(`Invalid request: ${summary}`, list);
}

/**
 * Bodies must be JSON objects: an array, a string or `null` would otherwise slip past the DTO checks.
 * A missing body on a route that takes one is treated as `{}` so the field rules explain what is missing.
 */
@Injectable()
export class JsonObjectBodyPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'body') return value;
    if (value === undefined) return {};
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw ApiException.badRequest('Request body must be a JSON object');
    }
    return value;
  }
}

export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    // Unknown fields are dropped, not refused: newer SDKs send fields this version does not know yet.
    whitelist: true,
    forbidNonWhitelisted: false,
    stopAtFirstError: true,
    validationError: { target: false, value: false },
    exceptionFactory: validationException,
  });
}
