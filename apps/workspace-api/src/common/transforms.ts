/** `@Transform` helpers shared by the request DTOs. */
type TransformInput = { value: unknown };

export const trimmed = ({ value }: TransformInput) => (typeof value === 'string' ? value.trim() : value);

/** Emails are one account whatever their case. */
export const normalisedEmail = ({ value }: TransformInput) => (typeof value === 'string' ? value.trim().toLowerCase() : value);

/** An empty string means "none" for optional fields that may be null. */
export const blankToNull = ({ value }: TransformInput) => (typeof value === 'string' && value.trim() === '' ? null : value);
