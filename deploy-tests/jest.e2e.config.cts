// The Compose stack, built from the local base and started for real (needs Docker).
module.exports = {
  displayName: 'deploy-tests:e2e',
  preset: '../jest.preset.js',
  testEnvironment: 'node',
  transform: {
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
  },
  moduleFileExtensions: ['ts', 'js'],
  testMatch: ['**/*.e2e-spec.ts'],
  testTimeout: 120000,
  coverageDirectory: '../coverage/e2e/deploy-tests',
};
