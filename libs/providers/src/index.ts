export * from './lib/provider-settings';
export * from './lib/provider-error';
export * from './lib/route-plan';
export * from './lib/quota-store';
export * from './lib/provider-router';
export * from './lib/clients/provider-client';
export { ANTHROPIC_VERSION, AnthropicClient } from './lib/clients/anthropic';
export { OpenAiCompatibleClient } from './lib/clients/openai-compatible';
export { CliClient, cliCommandProblem } from './lib/clients/cli';
