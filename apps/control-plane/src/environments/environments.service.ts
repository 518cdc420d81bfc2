import { Injectable, Logger } from '@nestjs/common';
import { REDACTED_SECRET } from '@oz/contract';
import { randomUUID } from 'node:crypto';
import { ownerScope, type Principal } from '../common/auth/principal';
import { ApiException } from '@oz/server-kit';
import { SecretBox } from '../common/secrets/secret-box';
import type { EnvironmentDto } from './dto/environment.dto';
import { EnvironmentEntity } from './environment.entity';
import { EnvironmentsRepository } from './environments.repository';

@Injectable()
export class EnvironmentsService {
  private readonly logger = new Logger('environments');

  constructor(
    private readonly environments: EnvironmentsRepository,
    private readonly secrets: SecretBox,
  ) {}

  async create(principal: Principal, request: EnvironmentDto): Promise<EnvironmentEntity> {
    const now = new Date();
    const environment = Object.assign(new EnvironmentEntity(), {
      id: randomUUID(),
      tenantKey: principal.tenantKey,
      createdAt: now,
      updatedAt: now,
    });
    this.apply(environment, request, {});
    await this.saveOrConflict(environment);
    this.logger.log({ environmentId: environment.id }, 'environment.created');
    return environment;
  }

  list(principal: Principal): Promise<EnvironmentEntity[]> {
    return this.environments.list(ownerScope(principal));
  }

  async get(principal: Principal, id: string): Promise<EnvironmentEntity> {
    const environment = await this.environments.findById(id, ownerScope(principal));
    if (!environment) throw ApiException.notFound('Environment', id);
    return environment;
  }

  /** The caller's environments among `ids`, by id; ids the caller cannot see are simply absent. */
  async findVisible(principal: Principal, ids: string[]): Promise<Map<string, EnvironmentEntity>> {
    const found = await this.environments.findByIds([...new Set(ids)], ownerScope(principal));
    return new Map(found.map((e) => [e.id, e]));
  }

  /** For the dispatcher only: the environment of a run, whoever owns it (the run was checked at creation). */
  findForDispatch(id: string): Promise<EnvironmentEntity | null> {
    return this.environments.findById(id, undefined);
  }

  isVisible(principal: Principal, id: string): Promise<boolean> {
    return this.environments.exists(id, ownerScope(principal));
  }

  /**
   * Replaces the fields given. Secrets the caller cannot see survive: env_vars omitted keeps them all,
   * and a value of "<redacted>" keeps that key's stored value.
   */
  async update(principal: Principal, id: string, request: EnvironmentDto): Promise<EnvironmentEntity> {
    const environment = await this.get(principal, id);
    this.apply(environment, request, this.decryptEnvVars(environment));
    environment.updatedAt = new Date();
    await this.saveOrConflict(environment);
    this.logger.log({ environmentId: id }, 'environment.updated');
    return environment;
  }

  async delete(principal: Principal, id: string): Promise<void> {
    if (!(await this.environments.deleteUnlessInUse(id, ownerScope(principal)))) {
      await this.get(principal, id); // 404 when it is not the caller's (or does not exist)
      const unfinished = await this.environments.countUnfinishedRuns(id);
      throw ApiException.conflict(`Environment ${id} is used by ${unfinished} unfinished run(s); cancel them or wait`);
    }
    this.logger.log({ environmentId: id }, 'environment.deleted');
  }

  /** Plaintext secrets, for the worker dispatcher only; never for an API response. */
  decryptEnvVars(environment: EnvironmentEntity): Record<string, string> {
    return environment.envVarsCiphertext ? JSON.parse(this.secrets.open(environment.envVarsCiphertext)) : {};
  }

  private apply(environment: EnvironmentEntity, request: EnvironmentDto, currentSecrets: Record<string, string>): void {
    environment.name = request.name.trim();
    environment.dockerImage = request.docker_image;
    environment.description = request.description ?? null;
    environment.repos = request.repos ?? [];
    environment.setupCommands = request.setup_commands ?? [];
    const secrets = request.env_vars === undefined ? currentSecrets : mergeSecrets(request.env_vars, currentSecrets);
    const names = Object.keys(secrets).sort();
    environment.envVarNames = names;
    environment.envVarsCiphertext = names.length ? this.secrets.seal(JSON.stringify(secrets)) : null;
  }

  private async saveOrConflict(environment: EnvironmentEntity): Promise<void> {
    if (!(await this.environments.save(environment))) {
      throw ApiException.conflict(`An environment named "${environment.name}" already exists`);
    }
  }
}

function mergeSecrets(given: Record<string, string>, current: Record<string, string>): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const [name, value] of Object.entries(given)) {
    if (value !== REDACTED_SECRET) merged[name] = value;
    else if (name in current) merged[name] = current[name];
    else throw ApiException.badRequest(`env_vars.${name} is "${REDACTED_SECRET}" but no stored value exists to keep`);
  }
  return merged;
}
