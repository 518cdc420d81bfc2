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
 * Checks every request body and query before the DTO rules: bodies must be JSON objects (an array, a
 * string or `null` would otherwise slip past them; a missing body is treated as `{}` so the field rules
 * explain what is missing), and no string anywhere may hold a NUL character or an unpaired surrogate,
 * which PostgreSQL cannot store in text or jsonb. One check here covers every route and every field.
 */
@Injectable()
export class RequestShapePipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'body' && metadata.type !== 'query') return value;
    if (metadata.type === 'body') {
      if (value === undefined) return {};
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        throw ApiException.badRequest('Request body must be a JSON object');
      }
    }
    const field = unstorableField(value, '');
    if (field !== null) {
      const where = field || 'the request';
      const problem = `${where} must not contain NUL characters (\\u0000) or unpaired surrogates`;
      throw ApiException.badRequest(`Invalid request: ${problem}`, [{ field: where, message: problem }]);
    }
    return value;
  }
}

/** A NUL, or a lone UTF-16 surrogate (`"\ud800"` in JSON): PostgreSQL refuses both. */
const unstorable = (text: string) => text.includes('\0') || !text.isWellFormed();

/** Dotted path of the first string (key or value) PostgreSQL could not store, or null when there is none. */
function unstorableField(value: unknown, path: string): string | null {
  if (typeof value === 'string') return unstorable(value) ? path : null;
  if (value === null || typeof value !== 'object') return null;
  for (const [key, child] of Object.entries(value)) {
    const childPath = path ? `${path}.${key}` : key;
    if (unstorable(key)) return childPath;
    const found = unstorableField(child, childPath);
    if (found !== null) return found;
  }
  return null;
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
