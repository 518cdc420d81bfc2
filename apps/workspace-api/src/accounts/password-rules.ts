export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 200;

/**
 * What is wrong with a password, in words a person can act on, or null. Length first, then variety,
 * then the guessable: the email's local part or the person's name inside the password.
 */
export function passwordProblem(password: string, email: string, name: string): string | null {
  if (password.length < PASSWORD_MIN) return `Password must be at least ${PASSWORD_MIN} characters long`;
  if (password.length > PASSWORD_MAX) return `Password must be at most ${PASSWORD_MAX} characters long`;
  const kinds = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((kind) => kind.test(password)).length;
  if (kinds < 3) return 'Password must mix at least three of: lower-case letters, upper-case letters, digits, symbols';
  const lower = password.toLowerCase();
  const local = email.split('@')[0]?.toLowerCase() ?? '';
  if (local.length >= 3 && lower.includes(local)) return 'Password must not contain your email address';
  const trimmedName = name.trim().toLowerCase();
  if (trimmedName.length >= 3 && lower.includes(trimmedName)) return 'Password must not contain your name';
  return null;
}
