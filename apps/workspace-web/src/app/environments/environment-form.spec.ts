import { REDACTED_SECRET, type EnvironmentItem } from '@oz/contract';
import { emptyEnvironmentForm, environmentFormOf, environmentParamsOf } from './environment-form';

const env: EnvironmentItem = {
  id: 'e1',
  environment_id: 'e1',
  name: 'node',
  description: null,
  docker_image: 'node:22',
  repos: ['acme/app'],
  setup_commands: ['npm ci'],
  env_vars: { TOKEN: REDACTED_SECRET, OTHER: REDACTED_SECRET },
  created_at: '',
  updated_at: '',
};

describe('the environment form', () => {
  it('never shows saved secrets, keeps those left blank, replaces typed ones and drops removed ones', () => {
    const form = environmentFormOf(env);
    expect(form.secrets).toEqual([
      { key: 'TOKEN', value: '', existing: true },
      { key: 'OTHER', value: '', existing: true },
    ]);
    form.secrets = [{ ...form.secrets[0], value: 'new-value' }, { key: 'ADDED', value: 'x', existing: false }];
    const { params, problems } = environmentParamsOf(form);
    expect(problems).toEqual([]);
    expect(params.env_vars).toEqual({ TOKEN: 'new-value', ADDED: 'x' });
    expect(environmentParamsOf(environmentFormOf(env)).params.env_vars).toEqual({ TOKEN: REDACTED_SECRET, OTHER: REDACTED_SECRET });
  });

  it('lists every problem in words', () => {
    const form = { ...emptyEnvironmentForm(), secrets: [{ key: '1BAD', value: 'x', existing: false }, { key: 'EMPTY', value: '', existing: false }, { key: 'ML', value: 'a\nb', existing: false }] };
    expect(environmentParamsOf(form).problems).toEqual([
      'Give the environment a name.',
      'Name the Docker image runs start from (for example node:22).',
      '"1BAD" is not a valid variable name (letters, digits, _; not starting with a digit).',
      'EMPTY has no value.',
      'ML: values are single-line.',
    ]);
  });
});
