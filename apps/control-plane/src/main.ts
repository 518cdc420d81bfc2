import { runServer } from '@oz/server-kit';
import { createControlPlaneApp } from './app';
import { loadControlPlaneConfig } from './config/control-plane.config';
import { migrateCommand } from './database/migrate-command';

runServer({
  name: 'control plane',
  loadConfig: loadControlPlaneConfig,
  commands: { migrate: migrateCommand },
  serve: async (config) => {
    const app = await createControlPlaneApp(config);
    await app.listen(config.port, config.host);
  },
});
