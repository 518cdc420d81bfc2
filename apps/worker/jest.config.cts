module.exports = {
  displayName: 'worker',
  preset: '../../jest.preset.js',
  testEnvironment: 'node',
  transform: {
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
  },
  moduleFileExtensions: ['ts', 'js', 'html'],
  // The worker's end-to-end tests live with the control plane (they need both); these are its own.
  testMatch: ['**/*.spec.ts'],
  coverageDirectory: '../../coverage/apps/worker',
};
