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

  @Column({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;
}
