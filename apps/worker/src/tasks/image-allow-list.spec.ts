import { imageAllowed } from './image-allow-list';

describe('the image allow-list', () => {
  it('allows every image when it is empty', () => {
    expect(imageAllowed('anything/at:all', [])).toBe(true);
  });

  it('allows what a glob matches, registry, path and tag included', () => {
    const globs = ['ghcr.io/acme/*', 'node:22*', 'oz-test-task:?2e'];
    for (const image of ['ghcr.io/acme/agent:1.2', 'ghcr.io/acme/team/tool@sha256:abc', 'node:22', 'node:22-bookworm', 'oz-test-task:e2e']) {
      expect(imageAllowed(image, globs)).toBe(true);
    }
  });

  it('refuses what no glob matches, taking dots and other characters literally', () => {
    const globs = ['ghcr.io/acme/*', 'node:22*'];
    for (const image of ['ghcr.io/evil/miner', 'ghcrXio/acme/x', 'docker.io/library/node:22', 'node:20', 'xnode:22', 'ubuntu:22.04']) {
      expect(imageAllowed(image, globs)).toBe(false);
    }
  });
});
