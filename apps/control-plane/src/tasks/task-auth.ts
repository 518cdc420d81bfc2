import { CanActivate, createParamDecorator, Injectable, type ExecutionContext } from '@nestjs/common';
import { isTaskToken } from '@oz/contract';
import { ApiException } from '@oz/server-kit';
import type { FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { CredentialsService } from '../credentials/credentials.service';
import { WorkerRunsRepository, type TaskTokenRun } from '../workers/worker-runs.repository';

/** Who called a task route: the run its token belongs to (while a worker holds it). */
export interface TaskCaller extends TaskTokenRun {
  /** sha256 of the token, the condition of every write the caller makes. */
  tokenHash: string;
}

export type TaskRequest = FastifyRequest & { task?: TaskCaller };

const BEARER = /^Bearer\s+(\S+)\s*$/i;
const HOW = "send the run's task token (OZ_TASK_TOKEN) as Authorization: Bearer <token>, x-api-key or x-goog-api-key";

/**
 * Authenticates a task container's calls: the run's task token, sent as `Authorization: Bearer`
 * (the reports, Codex), `x-api-key` (Claude Code) or `x-goog-api-key` (Gemini CLI), valid only while
 * a worker holds its run (CLAIMED, INPROGRESS), looked up in the database on every call, so a run that
 * ended refuses its token on every replica at once. The admin key, tenant keys and worker tokens are
 * refused by name (403): they are not task tokens.
 */
@Injectable()
export class TaskAuth {
  constructor(
    private readonly credentials: CredentialsService,
    private readonly runs: WorkerRunsRepository,
  ) {}

  async authenticate(headers: IncomingHttpHeaders): Promise<TaskCaller> {
    const presented = tokensIn(headers);
    const token = presented.find(isTaskToken);
    if (!token) {
      if (!presented.length) throw new ApiException(401, 'authentication_required', `Missing task token: ${HOW}`);
      throw await this.refusal(presented[0] as string);
    }
    const tokenHash = createHash('sha256').update(token, 'utf8').digest('hex');
    const run = await this.runs.heldByTaskToken(tokenHash);
    if (!run) {
      throw new ApiException(401, 'authentication_required', 'This task token is not valid: its run has ended (the token is revoked then), or it never existed; Bearer task tokens work only while their run is claimed or in progress');
    }
    return { ...run, tokenHash };
  }

  private async refusal(token: string): Promise<ApiException> {
    const identity = await this.credentials.identify(token);
    const refused = (what: string) =>
      new ApiException(403, 'not_authorized', `${what} does not open the LLM gateway or task reports; ${HOW}`);
    switch (identity.kind) {
      case 'admin':
        return refused('The admin key');
      case 'worker':
        return refused('A worker token');
      case 'tenant':
        if (identity.issued) return refused('A tenant key');
        break;
      default:
        break;
    }
    return new ApiException(401, 'authentication_required', `Unknown token: ${HOW}`);
  }
}

/** Every token a request presents, in the order the headers are read. */
function tokensIn(headers: IncomingHttpHeaders): string[] {
  const found: string[] = [];
  const bearer = typeof headers.authorization === 'string' ? BEARER.exec(headers.authorization)?.[1] : undefined;
  if (bearer) found.push(bearer);
  for (const name of ['x-api-key', 'x-goog-api-key']) {
    const value = headers[name];
    if (typeof value === 'string' && value.trim()) found.push(value.trim());
  }
  return found.filter((token) => token.length <= 4096);
}

/** The route guard of every @TaskRoute(): puts the caller on the request. */
@Injectable()
export class TaskTokenGuard implements CanActivate {
  constructor(private readonly auth: TaskAuth) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<TaskRequest>();
    request.task = await this.auth.authenticate(request.headers);
    return true;
  }
}

export const CurrentTask = createParamDecorator((_: unknown, context: ExecutionContext): TaskCaller => {
  const task = context.switchToHttp().getRequest<TaskRequest>().task;
  if (!task) throw new Error('CurrentTask used on a route without TaskTokenGuard');
  return task;
});
