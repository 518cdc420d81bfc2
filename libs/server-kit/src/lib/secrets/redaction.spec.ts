import { hasUrlCredentials, redactUrlCredentials } from './redaction';

describe('redactUrlCredentials', () => {
  it.each([
    ['https://x-access-token:ghp_abc@github.com/acme/app.git', 'https://***@github.com/acme/app.git'],
    ['https://user@github.com/acme/app', 'https://***@github.com/acme/app'],
    ['ssh://git:p@ss@host:22/repo', 'ssh://***@host:22/repo'],
    ['git+https://tok@gitlab.example/a/b?x=1#y', 'git+https://***@gitlab.example/a/b?x=1#y'],
    ['clone https://a:b@h/r then https://c:d@h/s', 'clone https://***@h/r then https://***@h/s'],
    ['{"url":"https://u:p@h/r","msg":"x"}', '{"url":"https://***@h/r","msg":"x"}'],
  ])('redacts %s', (text, redacted) => {
    expect(redactUrlCredentials(text)).toBe(redacted);
    expect(hasUrlCredentials(text)).toBe(true);
  });

  it.each([
    'https://github.com/acme/app',
    'https://github.com/acme/app/blob/main/@scope/pkg',
    'https://host/path?email=ada@example.com',
    'mail ada@example.com about https://host/x',
    'git@github.com:acme/app.git',
    'https://***@github.com/acme/app',
    '',
  ])('leaves %j alone', (text) => {
    expect(redactUrlCredentials(text)).toBe(text);
    expect(hasUrlCredentials(text)).toBe(false);
  });
});
