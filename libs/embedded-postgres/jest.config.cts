module.exports = {
  displayName: 'embedded-postgres',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  transform: {
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
  },
  moduleFileExtensions: ['ts', 'js', 'html'],
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
  // Each test runs initdb and starts real servers.
  testTimeout: 60000,
  coverageDirectory: '../../coverage/libs/embedded-postgres',
};
