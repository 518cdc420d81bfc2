export * from './lib/agent-config.dto';
export * from './lib/environment-item.dto';
export * from './lib/list-runs.dto';
export * from './lib/run-item.dto';
export * from './lib/scheduled-agent.dto';
