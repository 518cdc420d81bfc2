import { closeAll, startWorkspace, TEST_PASSWORD, type WorkspaceHarness } from '../testing/workspace-harness';

/**
 * Login limits that hold against an attacker who controls what the client sends: a different
 * X-Forwarded-For on each attempt, many accounts from one address, many attempts at once. One proxy
 * is trusted in front (OZ_TRUST_PROXY=1), so the client address is the last X-Forwarded-For entry,
 * the one that proxy appended; the entries before it are the client's own words.
 */
describe('login limits', () => {
  let ws: WorkspaceHarness;
  const PER_ACCOUNT = 3;
  const PER_ADDRESS = 4;

  beforeAll(async () => {
    ws = await startWorkspace({
      OZ_TRUST_PROXY: '1',
      OZ_LOGIN_MAX_FAILURES: String(PER_ACCOUNT),
      OZ_LOGIN_MAX_FAILURES_PER_ADDRESS: String(PER_ADDRESS),
      OZ_LOGIN_WINDOW_SECONDS: '600',
    });
  });

  afterAll(() => closeAll([ws], ws?.database));

  let addresses = 0;
  /** A client address nobody else in this file uses. */
  const freshAddress = () => `198.51.100.${++addresses}`;
  const login = (email: string, password: string, forwardedFor: string) =>
    ws.request('POST', '/api/auth/login', { body: { email, password }, headers: { 'x-forwarded-for': forwardedFor } });

  async function account(name: string): Promise<string> {
    const email = `${name}@example.com`;
    expect((await ws.request('POST', '/api/auth/signup', { body: { name, email, password: TEST_PASSWORD } })).status).toBe(201);
    return email;
  }

  it('counts failures per account, however the address changes, and then refuses even the right password', async () => {
    const email = await account('victim');
    const statuses: number[] = [];
    // Every attempt from a new address, as a botnet or a client rewriting X-Forwarded-For would.
    for (let i = 0; i < 10; i++) statuses.push((await login(email, `Wrong-Guess-${i}x`, freshAddress())).status);
    expect(statuses).toEqual([...Array(PER_ACCOUNT).fill(401), ...Array(10 - PER_ACCOUNT).fill(429)]);

    const right = await login(email, TEST_PASSWORD, freshAddress());
    expect(right.status).toBe(429);
    expect(right.body).toMatchObject({ code: 'rate_limited', message: expect.stringMatching(/^Too many failed logins; try again in \d+ s$/) });
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(500);
  });

  it('counts failures per address, whatever the account and whatever the client writes before the proxy\'s entry', async () => {
    const address = freshAddress();
    const emails = await Promise.all(['ann', 'ben', 'cat', 'dan', 'eve', 'fay'].map((name) => account(`${name}-${address.replace(/\./g, '')}`)));
    const statuses: number[] = [];
    for (const [i, email] of emails.entries()) {
      // A forged entry in front of the one the trusted proxy added: only the proxy's counts.
      statuses.push((await login(email, `Wrong-Guess-${i}x`, `10.${i}.0.1, ${address}`)).status);
    }
    expect(statuses).toEqual([...Array(PER_ADDRESS).fill(401), ...Array(emails.length - PER_ADDRESS).fill(429)]);

    // Another client is not locked out, and a success from it does not help the first one.
    expect((await login(emails[5], TEST_PASSWORD, freshAddress())).status).toBe(200);
    expect((await login(emails[5], TEST_PASSWORD, address)).status).toBe(429);
  });

  it('reserves each attempt before checking the password: 20 at once check no more than the limit', async () => {
    const email = await account('raced');
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => login(email, `Wrong-Guess-${i}x`, freshAddress())));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([...Array(PER_ACCOUNT).fill(401), ...Array(20 - PER_ACCOUNT).fill(429)]);
    expect((await login(email, TEST_PASSWORD, freshAddress())).status).toBe(429);
  });

  it('a success clears the account\'s count but not the address\'s failures', async () => {
    const email = await account('forgetful');
    const address = freshAddress();
    for (let i = 0; i < PER_ACCOUNT - 1; i++) expect((await login(email, 'Nope-Nope-Nope-1', address)).status).toBe(401);
    expect((await login(email, TEST_PASSWORD, address)).status).toBe(200);
    // The account starts over…
    for (let i = 0; i < PER_ACCOUNT - 1; i++) expect((await login(email, 'Nope-Nope-Nope-1', freshAddress())).status).toBe(401);
    expect((await login(email, TEST_PASSWORD, freshAddress())).status).toBe(200);
    // …while the address keeps its two failures: two more reach its limit of four.
    const other = await account(`other-${address.replace(/\./g, '')}`);
    for (let i = 0; i < PER_ADDRESS - (PER_ACCOUNT - 1); i++) expect((await login(other, 'Nope-Nope-Nope-1', address)).status).toBe(401);
    expect((await login(other, TEST_PASSWORD, address)).status).toBe(429);
  });
});

describe('the password-check line', () => {
  it('checks one password at a time here, refuses the rest with 503 and Retry-After, and does not count them as failures', async () => {
    const ws = await startWorkspace({ OZ_PASSWORD_HASH_CONCURRENCY: '1', OZ_PASSWORD_HASH_QUEUE: '0', OZ_LOGIN_MAX_FAILURES: '3', OZ_LOGIN_MAX_FAILURES_PER_ADDRESS: '1000' });
    try {
      const emails: string[] = [];
      for (let i = 0; i < 30; i++) {
        const email = `line${i}@example.com`;
        // Signups hash too: one at a time, so none is refused.
        expect((await ws.request('POST', '/api/auth/signup', { body: { name: `Line ${i}`, email, password: TEST_PASSWORD } })).status).toBe(201);
        emails.push(email);
      }
      // Thirty logins at once, each taking tens of milliseconds of argon2id: most find the one slot taken.
      const burst = await Promise.all(emails.map((email) => ws.request('POST', '/api/auth/login', { body: { email, password: 'Wrong-Guess-1x' } })));
      const busy = burst.filter((r) => r.status === 503);
      expect(burst.every((r) => r.status === 401 || r.status === 503)).toBe(true);
      expect(busy.length).toBeGreaterThan(0);
      expect(busy[0].body).toMatchObject({ code: 'server_busy', message: 'Too many signups and logins at once; try again in a moment', retryable: true });
      expect(busy[0].headers.get('retry-after')).toBe('2');
      // A refused attempt was never checked, so it is not a failure: its account still has all three.
      const refusedEmail = emails[burst.indexOf(busy[0])];
      for (let i = 0; i < 3; i++) expect((await ws.request('POST', '/api/auth/login', { body: { email: refusedEmail, password: 'Wrong-Guess-2x' } })).status).toBe(401);
      expect((await ws.request('POST', '/api/auth/login', { body: { email: refusedEmail, password: TEST_PASSWORD } })).status).toBe(429);
    } finally {
      await closeAll([ws], ws.database);
    }
  });
});

describe('OZ_TRUST_PROXY', () => {
  const attacker = async (trust: string) => {
    const ws = await startWorkspace({ OZ_TRUST_PROXY: trust, OZ_LOGIN_MAX_FAILURES: '100', OZ_LOGIN_MAX_FAILURES_PER_ADDRESS: '2' });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const response = await ws.request('POST', '/api/auth/login', {
          body: { email: `nobody${i}@example.com`, password: 'Wrong-Guess-1x' },
          headers: { 'x-forwarded-for': `203.0.113.${i + 1}` },
        });
        statuses.push(response.status);
      }
      return statuses;
    } finally {
      await closeAll([ws], ws.database);
    }
  };

  it('ignores X-Forwarded-For by default and from peers outside the trusted ranges', async () => {
    // The test client is 127.0.0.1: not a trusted proxy here, so the header is the client's own claim.
    for (const trust of ['false', '10.0.0.0/8, fd00::/8']) expect(await attacker(trust)).toEqual([401, 401, 429, 429]);
  });

  it('believes it from a trusted proxy address (each attempt then comes from its own client)', async () => {
    expect(await attacker('127.0.0.1/32')).toEqual([401, 401, 401, 401]);
  });
});
