/**
 * The server's password rules (apps/workspace-api accounts), mirrored so people see them met as they
 * type. The server decides; its message is shown when it refuses.
 */
export interface PasswordCheck {
  label: string;
  met: boolean;
}

export function passwordChecks(password: string, name: string, email: string): PasswordCheck[] {
  const kinds = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((pattern) => pattern.test(password)).length;
  const lower = password.toLowerCase();
  const personal = [name.trim().toLowerCase(), email.trim().toLowerCase(), email.split('@')[0]?.trim().toLowerCase() ?? '']
    .filter((part) => part.length >= 3)
    .some((part) => lower.includes(part));
  return [
    { label: '12 to 200 characters', met: password.length >= 12 && password.length <= 200 },
    { label: 'Three of: lower case, upper case, digits, symbols', met: kinds >= 3 },
    { label: 'Not your name or email', met: password.length > 0 && !personal },
  ];
}
