import { runServer } from '@oz/server-kit';
import { createWorkspaceApp } from './app';
import { loadWorkspaceConfig } from './config/workspace.config';
import { migrateCommand } from './database/migrate';

runServer({
  name: 'workspace API',
  loadConfig: loadWorkspaceConfig,
  commands: { migrate: migrateCommand },
  serve: async (config) => {
    const app = await createWorkspaceApp(config);
    await app.listen(config.port, config.host);
  },
});
