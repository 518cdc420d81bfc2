module.exports = {
  displayName: 'providers:e2e',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  transform: {
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
  },
  moduleFileExtensions: ['ts', 'js', 'html'],
  testMatch: ['**/*.e2e-spec.ts'],
  // Quota tests need PostgreSQL: DATABASE_URL or an embedded server, as in the control plane.
  globalSetup: '../testing/src/global-setup.ts',
  globalTeardown: '../testing/src/global-teardown.ts',
  testTimeout: 60000,
  coverageDirectory: '../../coverage/e2e/libs/providers',
};
