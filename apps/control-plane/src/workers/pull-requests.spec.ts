import { pullRequestArtifacts } from './pull-requests';

describe('pullRequestArtifacts', () => {
  const now = new Date('2026-11-24T00:00:00.000Z');

  it('finds GitHub pull-request URLs, once each, with the branch when the line names it', () => {
    const output = [
      'Opened https://github.com/acme/web-app/pull/42 from branch: fix/login-redirect',
      'See also https://github.com/acme/web-app/pull/42.',
      '(https://github.com/other-org/repo_1.js/pull/7)',
    ].join('\n');
    expect(pullRequestArtifacts(output, now)).toEqual([
      { artifact_type: 'PULL_REQUEST', created_at: now.toISOString(), data: { url: 'https://github.com/acme/web-app/pull/42', branch: 'fix/login-redirect' } },
      { artifact_type: 'PULL_REQUEST', created_at: now.toISOString(), data: { url: 'https://github.com/other-org/repo_1.js/pull/7', branch: '' } },
    ]);
  });

  it('ignores links that are not pull requests', () => {
    const output = 'https://github.com/acme/app/issues/3 https://github.com/acme/app/pull/12/files https://gitlab.com/a/b/pull/1 https://github.com/acme/app/pulls';
    expect(pullRequestArtifacts(output, now)).toEqual([]);
  });
});
