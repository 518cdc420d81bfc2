module.exports = {
  displayName: 'worker',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  transform: {
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
  },
  moduleFileExtensions: ['ts', 'js', 'html'],
  // Unit tests only; the end-to-end tests (real Docker, a real control plane) are apps/worker-e2e.
  testMatch: ['**/*.spec.ts'],
  coverageDirectory: '../../coverage/apps/worker',
};
