import { WorkspaceInitial1764288000000 } from './1764288000000-workspace-initial';

/** In order; a migration, once released, is never edited. */
export const workspaceMigrations = [WorkspaceInitial1764288000000];
