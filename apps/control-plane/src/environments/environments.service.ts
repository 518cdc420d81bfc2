import { Injectable, Logger } from '@nestjs/common';
import { REDACTED_SECRET } from '@oz/contract';
import { randomUUID } from 'node:crypto';
import { ownerScope, type Principal } from '../common/auth/principal';
import { ApiException, hasUrlCredentials, redactUrlCredentials } from '@oz/server-kit';
import { SecretBox, secretContext } from '../common/secrets/secret-box';
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
    this.apply(environment, request, {}, []);
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

  /**
   * For the dispatcher only: the environment of a run, whoever owns it (the run was checked at
   * creation), with its repos as given, credentials included. Should they not open, the repos stay
   * redacted and decryptEnvVars refuses the environment.
   */
  async findForDispatch(id: string): Promise<EnvironmentEntity | null> {
    const environment = await this.environments.findById(id, undefined);
    if (environment?.reposCiphertext) {
      try {
        environment.repos = this.decryptRepos(environment);
      } catch {
        // left to decryptEnvVars, which the dispatcher asks next and whose failure it reports
      }
    }
    return environment;
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
    this.apply(environment, request, this.decryptEnvVars(environment), this.decryptRepos(environment));
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

  /**
   * Plaintext secrets, for the worker dispatcher only; never for an API response. Throws when the
   * environment's sealed values (its repos' credentials included) do not open.
   */
  decryptEnvVars(environment: EnvironmentEntity): Record<string, string> {
    if (environment.reposCiphertext) this.decryptRepos(environment);
    return environment.envVarsCiphertext
      ? JSON.parse(this.secrets.open(environment.envVarsCiphertext, secretContext('environments', 'env_vars', environment.id)))
      : {};
  }

  /** The repos as given, credentials included. */
  private decryptRepos(environment: EnvironmentEntity): string[] {
    if (!environment.reposCiphertext) return environment.repos;
    return JSON.parse(this.secrets.open(environment.reposCiphertext, secretContext('environments', 'repos', environment.id))) as string[];
  }

  private apply(environment: EnvironmentEntity, request: EnvironmentDto, currentSecrets: Record<string, string>, currentRepos: string[]): void {
    environment.name = request.name.trim();
    environment.dockerImage = request.docker_image;
    environment.description = request.description ?? null;
    const repos = keepRedactedRepos(request.repos ?? [], currentRepos);
    environment.repos = repos.map(redactUrlCredentials);
    environment.reposCiphertext = repos.some(hasUrlCredentials)
      ? this.secrets.seal(JSON.stringify(repos), secretContext('environments', 'repos', environment.id))
      : null;
    environment.setupCommands = request.setup_commands ?? [];
    environment.taskTimeoutSeconds = request.task_timeout_seconds ?? null;
    const secrets = request.env_vars === undefined ? currentSecrets : mergeSecrets(request.env_vars, currentSecrets);
    const names = Object.keys(secrets).sort();
    environment.envVarNames = names;
    environment.envVarsCiphertext = names.length
      ? this.secrets.seal(JSON.stringify(secrets), secretContext('environments', 'env_vars', environment.id))
      : null;
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

/**
 * Repos as the environment keeps them: a URL sent back as it was shown (`https://***@host/…`) stands for
 * the stored URL it was shown for, credentials included; one that matches no stored URL is refused.
 */
function keepRedactedRepos(given: string[], current: string[]): string[] {
  return given.map((repo, index) => {
    if (!/:\/\/\*\*\*@/.test(repo)) return repo;
    const stored = current.find((candidate) => hasUrlCredentials(candidate) && redactUrlCredentials(candidate) === repo);
    if (stored) return stored;
    throw ApiException.badRequest(`repos[${index}] hides its credentials (***) but no stored repository matches it; send the URL itself`, [
      { field: `repos[${index}]`, message: 'no stored repository matches this redacted URL' },
    ]);
  });
}
