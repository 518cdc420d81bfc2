import type { AmbientAgentConfig, ArtifactItem, RunImage, RunScheduleRef, RunSource, RunState } from '@oz/contract';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Counts as `oz_add_request_usage` stores them (numbers; bigint sums come back as JSON numbers). */
export interface StoredUsageCounts {
  calls?: number;
  failed_calls?: number;
  input_tokens?: number;
  output_tokens?: number;
}

export interface StoredRequestUsage extends StoredUsageCounts {
  providers?: Record<string, StoredUsageCounts>;
}

@Entity({ name: 'runs' })
export class RunEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ name: 'tenant_key', type: 'text' })
  tenantKey!: string;

  @Column({ name: 'creator_uid', type: 'text' })
  creatorUid!: string;

  @Column({ type: 'text' })
  title!: string;

  @Column({ type: 'text' })
  prompt!: string;

  @Column({ type: 'text' })
  state!: RunState;

  @Column({ type: 'text' })
  source!: RunSource;

  @Column({ name: 'environment_id', type: 'uuid', nullable: true })
  environmentId!: string | null;

  @Column({ name: 'model_id', type: 'text', nullable: true })
  modelId!: string | null;

  @Column({ name: 'config_name', type: 'text', nullable: true })
  configName!: string | null;

  @Column({ name: 'skill_spec', type: 'text', nullable: true })
  skillSpec!: string | null;

  @Column({ name: 'worker_host', type: 'text', nullable: true })
  workerHost!: string | null;

  @Column({ name: 'schedule_id', type: 'uuid', nullable: true })
  scheduleId!: string | null;

  /** The schedule as it was when it fired; kept after the schedule is edited or deleted. */
  @Column({ type: 'jsonb', nullable: true })
  schedule!: RunScheduleRef | null;

  /** The cron slot a scheduled run was created for; unique per schedule, so a slot fires once. */
  @Column({ name: 'scheduled_for', type: 'timestamptz', precision: 3, nullable: true })
  scheduledFor!: Date | null;

  @Column({ name: 'conversation_id', type: 'text', nullable: true })
  conversationId!: string | null;

  @Column({ type: 'boolean', default: false })
  team!: boolean;

  /**
   * As shown: every MCP server header and env value and every `task_env` value is "<redacted>" (the
   * values are in mcpSecretsCiphertext and taskEnvCiphertext).
   */
  @Column({ name: 'agent_config', type: 'jsonb' })
  agentConfig!: AmbientAgentConfig;

  /** The MCP servers' headers and env values, sealed (see RunSecrets); null when there are none. */
  @Column({ name: 'mcp_secrets_ciphertext', type: 'text', nullable: true, select: false })
  mcpSecretsCiphertext!: string | null;

  /** The `task_env` values, sealed (see RunSecrets); null when there are none. */
  @Column({ name: 'task_env_ciphertext', type: 'text', nullable: true, select: false })
  taskEnvCiphertext!: string | null;

  /** Attached images can be large, so they are only read when needed. */
  @Column({ type: 'jsonb', nullable: true, select: false })
  images!: RunImage[] | null;

  @Column({ type: 'jsonb', default: () => `'[]'` })
  artifacts!: ArtifactItem[];

  @Column({ name: 'session_link', type: 'text', nullable: true })
  sessionLink!: string | null;

  /** What the run's tenant is told; never another provider's configuration. */
  @Column({ name: 'status_message', type: 'text', nullable: true })
  statusMessage!: string | null;

  /** The whole story behind status_message (which providers failed and why), for the admin only. */
  @Column({ name: 'status_detail', type: 'text', nullable: true })
  statusDetail!: string | null;

  /** The answer: a provider's text, or what a worker's task wrote (streamed in as it comes). */
  @Column({ type: 'text', nullable: true })
  output!: string | null;

  /** Who answered a provider run, and with which model (the last provider tried, while running). */
  @Column({ name: 'provider_key', type: 'text', nullable: true })
  providerKey!: string | null;

  @Column({ name: 'provider_type', type: 'text', nullable: true })
  providerType!: string | null;

  @Column({ name: 'provider_model', type: 'text', nullable: true })
  providerModel!: string | null;

  /**
   * What the run's task asked of the LLM gateway, as `oz_add_request_usage` keeps it:
   * `{calls, failed_calls, input_tokens, output_tokens, providers: {<key>: {…the same}}}`. Written only by
   * RequestUsageRepository.
   */
  @Column({ name: 'request_usage', type: 'jsonb', nullable: true, insert: false, update: false })
  requestUsage?: StoredRequestUsage | null;

  /** Times a worker claimed the run: more than 1 once a lost worker's run was retried. */
  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  /** The worker holding (or that last held) a worker run; written only by WorkerRunsRepository, read here for RunItem.worker_id. */
  @Column({ name: 'worker_id', type: 'text', nullable: true, insert: false, update: false })
  workerId?: string | null;

  // The executor's lease and queue columns (lease_owner, lease_expires_at, lease_recoveries,
  // available_at, saturated_since) are its own business: only ExecutionRepository reads them. So are
  // the other worker columns (dispatched_at, task_token_hash, execution_id, lease_reported,
  // log_cursor, timeout_at): WorkerRunsRepository's.

  @Column({ name: 'idempotency_key', type: 'text', nullable: true })
  idempotencyKey!: string | null;

  /** HMAC-SHA256 of the create request, to tell a retry from a different request reusing a key. */
  @Column({ name: 'request_fingerprint', type: 'text', nullable: true })
  requestFingerprint!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;

  @Column({ name: 'started_at', type: 'timestamptz', precision: 3, nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'completed_at', type: 'timestamptz', precision: 3, nullable: true })
  completedAt!: Date | null;
}
