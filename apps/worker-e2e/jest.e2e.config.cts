module.exports = {
  displayName: 'worker-e2e',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  transform: {
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
  },
  moduleFileExtensions: ['ts', 'js'],
  testMatch: ['**/*.e2e-spec.ts'],
  // A real PostgreSQL for the control planes the tests start: DATABASE_URL if set, otherwise an embedded one.
  globalSetup: '<rootDir>/../../libs/testing/src/global-setup.ts',
  globalTeardown: '<rootDir>/../../libs/testing/src/global-teardown.ts',
  testTimeout: 60000,
  coverageDirectory: '../../coverage/e2e/apps/worker-e2e',
};
