module.exports = {
  displayName: 'embedded-postgres:e2e',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  transform: {
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
  },
  moduleFileExtensions: ['ts', 'js', 'html'],
  testMatch: ['**/*.e2e-spec.ts'],
  // Each test runs initdb and starts real servers.
  testTimeout: 60000,
  coverageDirectory: '../../coverage/e2e/libs/embedded-postgres',
};
