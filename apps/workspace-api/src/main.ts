import { runServer } from '@oz/server-kit';
import { createWorkspaceApp } from './app';
import { loadWorkspaceConfig } from './config/workspace.config';

runServer({
  name: 'workspace API',
  loadConfig: loadWorkspaceConfig,
  serve: async (config) => {
    const app = await createWorkspaceApp(config);
    await app.listen(config.port, config.host);
  },
});
