import { TestBed } from '@angular/core/testing';
import { fakeResponse } from '../../../testing/fake-response';
import { ApiClient, FETCH, buildUrl } from './api-client';
import { ApiError } from './api-error';
import { API } from './endpoints';

const json = fakeResponse;

describe('buildUrl', () => {
  it('fills path parameters (encoded) and appends the query, repeating arrays and leaving out empty values', () => {
    expect(buildUrl('/api/rooms/:id/agents/:agentId', { id: 'a b', agentId: 'x/y' })).toBe('/api/rooms/a%20b/agents/x%2Fy');
    expect(buildUrl('/api/cp/runs', {}, { state: ['FAILED', 'CANCELLED'], q: '', limit: 20, cursor: undefined, unread: true })).toBe(
      '/api/cp/runs?state=FAILED&state=CANCELLED&limit=20&unread=true',
    );
  });

  it('refuses a missing path parameter instead of calling a wrong URL', () => {
    expect(() => buildUrl('/api/rooms/:id', {})).toThrow('Missing path parameter "id"');
  });
});

describe('ApiClient', () => {
  let fetch: jest.Mock<Promise<Response>, [string, RequestInit]>;
  let client: ApiClient;

  beforeEach(() => {
    fetch = jest.fn();
    TestBed.configureTestingModule({ providers: [{ provide: FETCH, useValue: fetch }] });
    client = TestBed.inject(ApiClient);
  });

  afterEach(() => TestBed.resetTestingModule());

  it('sends JSON with the session cookie and returns the parsed answer', async () => {
    fetch.mockResolvedValue(json(200, { id: 'r1' }));
    await expect(client.call(API.updateRoom, { params: { id: 'r1' }, body: { name: 'new' } })).resolves.toEqual({ id: 'r1' });
    const [url, init] = fetch.mock.calls[0];
    expect(url).toBe('/api/rooms/r1');
    expect(init).toMatchObject({ method: 'PATCH', body: '{"name":"new"}', credentials: 'same-origin' });
    expect(init.headers).toMatchObject({ 'Content-Type': 'application/json' });
  });

  it('turns an error body into an ApiError carrying the server\'s message, code and field errors', async () => {
    fetch.mockResolvedValue(
      json(400, { status: 400, error: 'Bad Request', code: 'validation_failed', message: 'name must not be empty', request_id: 'req-1', errors: [{ field: 'name', message: 'name must not be empty' }] }),
    );
    const error = await client.call(API.createRoom, { body: { name: '' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, code: 'validation_failed', message: 'name must not be empty', requestId: 'req-1' });
    expect((error as ApiError).fieldMessage('name')).toBe('name must not be empty');
  });

  it('says in words when the server cannot be reached, and reads Retry-After', async () => {
    fetch.mockRejectedValueOnce(new TypeError('Failed to fetch'));
    await expect(client.call(API.listRooms)).rejects.toMatchObject({ status: 0, message: expect.stringContaining('Could not reach the server') });
    fetch.mockResolvedValueOnce(json(429, { message: 'Too many failed logins; try again in 60 s' }, { 'retry-after': '60' }));
    await expect(client.call(API.login, { body: { email: 'a', password: 'b' } })).rejects.toMatchObject({ status: 429, retryAfterSeconds: 60 });
  });

  it('announces a 401 from a session route (the session ended), but not from the login routes', async () => {
    const ended = jest.fn();
    client.onUnauthorized(ended);
    fetch.mockResolvedValueOnce(json(401, { message: 'Email or password is incorrect' }));
    await expect(client.call(API.login, { body: { email: 'a', password: 'b' } })).rejects.toThrow('Email or password is incorrect');
    expect(ended).not.toHaveBeenCalled();
    fetch.mockResolvedValueOnce(json(401, { message: 'Log in first' }));
    await expect(client.call(API.listRooms)).rejects.toThrow('Log in first');
    expect(ended).toHaveBeenCalledTimes(1);
  });

  it('returns nothing for 204', async () => {
    fetch.mockResolvedValue(fakeResponse(204));
    await expect(client.call(API.deleteRoom, { params: { id: 'r1' } })).resolves.toBeUndefined();
  });
});
