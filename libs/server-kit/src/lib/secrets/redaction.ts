/** What a secret value is shown as in responses; sent back unchanged in an update, it keeps the stored value. */
export const REDACTED_SECRET = '<redacted>';

/** What stands in for the user-info of a URL wherever one is shown (a valid user-info, so the URL stays a URL). */
export const REDACTED_URL_USER_INFO = '***';

/**
 * A URL's user-info (`https://x-access-token:ghp_…@github.com/o/r`) is a credential whenever it is
 * there. It runs from `scheme://` to the last `@` before the authority ends, so a password holding a
 * raw `@` is covered whole; it never crosses `/ ? #`, white space, quotes, angle brackets or a
 * backslash, so an e-mail address in a path or a sentence, and JSON around a URL, are left alone.
 */
const USER_INFO = /\b([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^\s/?#"'<>`\\]*@/g;

/** `text` with the user-info of every URL in it replaced: `https://***@github.com/o/r`. */
export function redactUrlCredentials(text: string): string {
  return text.includes('://') && text.includes('@') ? text.replace(USER_INFO, `$1${REDACTED_URL_USER_INFO}@`) : text;
}

export function hasUrlCredentials(text: string): boolean {
  return redactUrlCredentials(text) !== text;
}
