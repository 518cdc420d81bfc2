const { createCjsPreset } = require('jest-preset-angular/presets');

// jsdom through jest-preset-angular's own environment (jest-environment-jsdom is not installed).
const preset = createCjsPreset({ testEnvironment: 'jest-preset-angular/environments/jest-jsdom-env' });

module.exports = {
  ...preset,
  displayName: 'workspace-web',
  setupFilesAfterEnv: ['<rootDir>/src/test-setup.ts'],
  // Angular and a few dependencies ship ES modules only; those are compiled for Jest.
  transformIgnorePatterns: ['node_modules/(?!(.*\\.mjs$|marked/|@angular/common/locales/.*\\.js$))'],
  moduleNameMapper: {
    '^@oz/workspace-contract$': '<rootDir>/../../libs/workspace-contract/src/index.ts',
    '^@oz/contract$': '<rootDir>/../../libs/oz-contract/src/index.ts',
  },
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  coverageDirectory: '../../coverage/apps/workspace-web',
};
