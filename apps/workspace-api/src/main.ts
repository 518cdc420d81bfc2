import { ConfigError, loadWorkspaceConfig } from './config/workspace.config';
import { createWorkspaceApp } from './app';

async function main(): Promise<void> {
  const config = loadWorkspaceConfig(process.env);
  const app = await createWorkspaceApp(config);
  await app.listen(config.port, config.host);
}

main().catch((error) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(78); // EX_CONFIG: the configuration is wrong, restarting will not help.
  }
  process.stderr.write(`workspace API failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
