import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'environments' })
export class EnvironmentEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ name: 'tenant_key', type: 'text' })
  tenantKey!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ name: 'docker_image', type: 'text' })
  dockerImage!: string;

  /** As shown: any URL's user-info is `***` (the real ones are in reposCiphertext). */
  @Column({ type: 'jsonb' })
  repos!: string[];

  @Column({ name: 'setup_commands', type: 'jsonb' })
  setupCommands!: string[];

  /** Names only, so responses can list the keys without decrypting anything. */
  @Column({ name: 'env_var_names', type: 'jsonb' })
  envVarNames!: string[];

  /** AES-256-GCM ciphertext of the env_vars object; see SecretBox. */
  @Column({ name: 'env_vars_ciphertext', type: 'text', nullable: true })
  envVarsCiphertext!: string | null;

  /**
   * The repos as given, sealed, when any URL carries credentials (`repos` then holds them with the
   * user-info replaced by `***`); null otherwise.
   */
  @Column({ name: 'repos_ciphertext', type: 'text', nullable: true })
  reposCiphertext!: string | null;

  /** Seconds a task of this environment may run; null: the control plane's OZ_TASK_TIMEOUT_SECONDS. */
  @Column({ name: 'task_timeout_seconds', type: 'integer', nullable: true })
  taskTimeoutSeconds!: number | null;

  @Column({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;
}
