import type { ValidationArguments } from 'class-validator';

/** For @IsString: "x is required" when the field is absent, "x must be a string" when it has another type. */
export const stringRequired = (field: string) => ({
  message: (args: ValidationArguments) => (args.value === undefined || args.value === null ? `${field} is required` : `${field} must be a string`),
});
