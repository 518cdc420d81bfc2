import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { parseBooleanWord } from '../util/boolean-words';
import { variableDescriptions } from './variable-description';

/** A configuration that cannot work: main exits with 78 (EX_CONFIG) and this message. */
export class ConfigError extends Error {}

/** For @Transform: anything but a known word stays a string, so @IsBoolean refuses a typo like `ture` instead of reading false. */
export const toBoolean = ({ value }: { value: unknown }) => parseBooleanWord(String(value)) ?? value;
export const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));
export const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

/**
 * Only declared variables reach the validator, so unrelated env vars can't trip it; a variable set to
 * an empty string counts as unset, so `PORT=` means the default rather than an error.
 */
export function pickKnown(configClass: new () => object, env: Record<string, string | undefined>): Record<string, string> {
  const known: Record<string, string> = {};
  for (const name of variableDescriptions(configClass).map((v) => v.name)) {
    const value = env[name]?.trim();
    if (value) known[name] = value;
  }
  return known;
}

/** The env class filled from the declared variables, and one message per invalid one. */
export function parseEnv<T extends object>(configClass: new () => T, env: Record<string, string | undefined>): { parsed: T; problems: string[] } {
  const parsed = plainToInstance(configClass, pickKnown(configClass, env));
  const problems = validateSync(parsed, { stopAtFirstError: true }).flatMap((e) => Object.values(e.constraints ?? {}));
  return { parsed, problems };
}

/** `OZ_CORS_ORIGIN`: `*`, or a comma-separated list of origins. */
export function parseCorsOrigins(value: string | undefined): string[] | '*' | null {
  if (!value) return null;
  if (value === '*') return '*';
  return value
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
}
