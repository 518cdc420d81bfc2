import { registerDecorator, type ValidationOptions } from 'class-validator';

/** A string → string map with keys matching `keyPattern` and values of at most maxValueLength. */
export function IsStringMap(
  keyPattern: RegExp,
  keyRule: string,
  options: { maxEntries?: number; maxValueLength?: number; forbidNewlines?: boolean } = {},
  validationOptions?: ValidationOptions,
) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isStringMap',
      target: object.constructor,
      propertyName,
      options: validationOptions,
      validator: {
        validate(value: unknown) {
          if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
          const entries = Object.entries(value);
          if (options.maxEntries !== undefined && entries.length > options.maxEntries) return false;
          return entries.every(
            ([key, v]) =>
              keyPattern.test(key) &&
              typeof v === 'string' &&
              (options.maxValueLength === undefined || v.length <= options.maxValueLength) &&
              !(options.forbidNewlines && /[\r\n\0]/.test(v)),
          );
        },
        defaultMessage() {
          const limits = [
            options.maxEntries !== undefined ? `at most ${options.maxEntries} entries` : '',
            options.maxValueLength !== undefined ? `values of at most ${options.maxValueLength} characters` : '',
            options.forbidNewlines ? 'no line breaks in values' : '',
          ].filter(Boolean);
          return `${propertyName} must be an object of string values with keys ${keyRule}${limits.length ? `, ${limits.join(', ')}` : ''}`;
        },
      },
    });
}
