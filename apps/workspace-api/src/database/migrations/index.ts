import { WorkspaceInitial1764288000000 } from './1764288000000-workspace-initial';
import { InstanceAdminAndInvites1764547200000 } from './1764547200000-instance-admin-and-invites';
import { ControlPlaneTenants1764633600000 } from './1764633600000-control-plane-tenants';
import { AgentSecretsAndRunBudget1764720000000 } from './1764720000000-agent-secrets-and-run-budget';
import { RunCallbacks1764806400000 } from './1764806400000-run-callbacks';

/** In order; a migration, once released, is never edited. */
export const workspaceMigrations = [
  WorkspaceInitial1764288000000,
  InstanceAdminAndInvites1764547200000,
  ControlPlaneTenants1764633600000,
  AgentSecretsAndRunBudget1764720000000,
  RunCallbacks1764806400000,
];
