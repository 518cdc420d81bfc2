import { QueryFailedError } from 'typeorm';
import { loggableError } from './loggable-error';

describe('loggableError', () => {
  it('keeps what identifies a database error but drops the statement and its parameters', () => {
    const error = new QueryFailedError(
      'INSERT INTO runs (agent_config) VALUES ($1)',
      ['{"mcp_servers":{"s":{"headers":{"Authorization":"Bearer sk-live-secret"}}}}'],
      Object.assign(new Error('deadlock detected'), { code: '40P01' }),
    );
    const logged = JSON.stringify(loggableError(error));
    expect(logged).toContain('deadlock detected');
    expect(logged).toContain('QueryFailedError');
    expect(logged).not.toContain('sk-live-secret');
    expect(logged).not.toContain('INSERT INTO');
  });

  it('leaves ordinary errors as pino shows them, stack included', () => {
    const logged = loggableError(new Error('boom'));
    expect(logged).toMatchObject({ type: 'Error', message: 'boom' });
    expect(logged['stack']).toEqual(expect.stringContaining('boom'));
  });
});
