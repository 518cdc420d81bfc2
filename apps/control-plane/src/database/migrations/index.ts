import { InitialSchema1763942400000 } from './1763942400000-initial-schema';
import { ProviderExecution1764028800000 } from './1764028800000-provider-execution';
import { WorkerDispatch1764115200000 } from './1764115200000-worker-dispatch';
import { CrashSafeWorkers1764374400000 } from './1764374400000-crash-safe-workers';
import { TenancyAndSecrets1764460800000 } from './1764460800000-tenancy-and-secrets';
import { LlmGateway1764547200000 } from './1764547200000-llm-gateway';
import { RunTaskEnv1764806400000 } from './1764806400000-run-task-env';

/** Listed explicitly (not globbed) so the bundled app and the CLI run the same migrations. */
export const controlPlaneMigrations = [InitialSchema1763942400000, ProviderExecution1764028800000, WorkerDispatch1764115200000, CrashSafeWorkers1764374400000, TenancyAndSecrets1764460800000, LlmGateway1764547200000, RunTaskEnv1764806400000];
