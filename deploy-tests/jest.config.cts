// Static checks of the packaging: Kubernetes manifests, Compose file, Dockerfiles, monitoring.
module.exports = {
  displayName: 'deploy-tests',
  preset: '../jest.preset.js',
  testEnvironment: 'node',
  transform: {
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
  },
  resolver: '<rootDir>/jest.resolver.cjs',
  // kubernetes-models and the two packages of its validator that are ES modules only.
  transformIgnorePatterns: ['/node_modules/(?!(kubernetes-models|@kubernetes-models|is-cidr|cidr-regex)/)'],
  moduleFileExtensions: ['ts', 'js'],
  testMatch: ['**/*.spec.ts'],
  testTimeout: 60000,
  coverageDirectory: '../coverage/deploy-tests',
};
