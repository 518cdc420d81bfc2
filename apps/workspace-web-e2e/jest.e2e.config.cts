/**
 * Browser end-to-end tests: playwright-core drives Debian's Chromium against the real stack (built
 * workspace API on PostgreSQL, the built dashboard, a fake OpenAI-compatible provider). Run with
 * `npx nx e2e workspace-web-e2e`, which builds both apps first. Not named jest.config.* on purpose:
 * these need a browser, so they are not part of the unit `test` targets.
 */
module.exports = {
  displayName: 'workspace-web-e2e',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  transform: {
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
  },
  moduleFileExtensions: ['ts', 'js'],
  testMatch: ['<rootDir>/src/**/*.e2e-spec.ts'],
  // A real PostgreSQL: DATABASE_URL if set, otherwise an embedded one.
  globalSetup: '<rootDir>/../../libs/testing/src/global-setup.ts',
  globalTeardown: '<rootDir>/../../libs/testing/src/global-teardown.ts',
  testTimeout: 120_000,
};
