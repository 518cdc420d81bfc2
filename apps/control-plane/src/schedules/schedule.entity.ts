import type { AmbientAgentConfig } from '@oz/contract';
import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'schedules' })
export class ScheduleEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ name: 'tenant_key', type: 'text' })
  tenantKey!: string;

  @Column({ name: 'creator_uid', type: 'text' })
  creatorUid!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ name: 'cron_schedule', type: 'text' })
  cronSchedule!: string;

  @Column({ type: 'text' })
  prompt!: string;

  /** As shown: every MCP server header and env value is "<redacted>" (the values are in mcpSecretsCiphertext). */
  @Column({ name: 'agent_config', type: 'jsonb' })
  agentConfig!: AmbientAgentConfig;

  /** The MCP servers' headers and env values, sealed for this schedule; each run gets its own copy. */
  @Column({ name: 'mcp_secrets_ciphertext', type: 'text', nullable: true })
  mcpSecretsCiphertext!: string | null;

  @Column({ type: 'boolean' })
  enabled!: boolean;

  @Column({ type: 'boolean', default: false })
  team!: boolean;

  /** Next cron slot to fire; null while paused. */
  @Column({ name: 'next_run_at', type: 'timestamptz', precision: 3, nullable: true })
  nextRunAt!: Date | null;

  @Column({ name: 'last_ran_at', type: 'timestamptz', precision: 3, nullable: true })
  lastRanAt!: Date | null;

  @Column({ name: 'last_spawn_error', type: 'text', nullable: true })
  lastSpawnError!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;
}
