import { ConfigError, loadControlPlaneConfig } from './config/control-plane.config';
import { createControlPlaneApp } from './app';
import { migrateCommand } from './database/migrate-command';

async function main(): Promise<void> {
  const config = loadControlPlaneConfig(process.env);
  if (process.argv[2] === 'migrate') return migrateCommand(config);
  const app = await createControlPlaneApp(config);
  await app.listen(config.port, config.host);
}

main().catch((error) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(78); // EX_CONFIG: the configuration is wrong, restarting will not help.
  }
  process.stderr.write(`control plane failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
