import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiException } from '@oz/server-kit';
import { CredentialsService } from '../../credentials/credentials.service';
import { ADMIN_ROUTE, PUBLIC_ROUTE, TASK_ROUTE, type AuthenticatedRequest } from './auth.decorators';
import { principalFor, tenantPrincipal } from './principal';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * Global guard: every route needs `Authorization: Bearer <token>` unless marked @PublicRoute(), and
 * the admin key when marked @AdminOnly(). The token is the admin key or a tenant's (any token under
 * open tenancy, an issued tenant key under registered tenancy); worker tokens open no route here, and
 * task tokens only the routes marked @TaskRoute() (which check them themselves).
 */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly credentials: CredentialsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    // Routes of a task container authenticate its run's task token themselves (TaskTokenGuard).
    if (this.reflector.getAllAndOverride<boolean>(TASK_ROUTE, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = bearerTokenOf(request.headers.authorization);
    if (!token) {
      throw new ApiException(401, 'authentication_required', 'Missing or malformed Authorization header; send "Bearer <token>" with a token of at least 8 characters');
    }
    const identity = await this.credentials.identify(token);
    switch (identity.kind) {
      case 'admin':
        request.principal = principalFor(token, true);
        break;
      case 'tenant':
        request.principal = tenantPrincipal(identity.tenantKey);
        break;
      case 'worker':
        throw new ApiException(401, 'authentication_required', 'This is a worker token: it opens only the worker channel (/api/v1/selfhosted/worker/ws)');
      case 'task':
        throw new ApiException(
          401,
          'authentication_required',
          "This is a run's task token: it opens only the LLM gateway (/api/v1/llm/…) and its own run's task reports; send a tenant's Bearer token here",
        );
      case 'revoked':
        throw new ApiException(401, 'authentication_required', `This ${identity.credential === 'tenant' ? 'tenant key' : 'worker token'} was revoked`);
      case 'unknown':
        throw new ApiException(401, 'authentication_required', 'Unknown token: this control plane accepts only tenant keys its admin issued (POST /api/v1/admin/tenant-keys)');
    }
    const adminOnly = this.reflector.getAllAndOverride<boolean>(ADMIN_ROUTE, [context.getHandler(), context.getClass()]);
    if (adminOnly && !request.principal.isAdmin) {
      throw new ApiException(403, 'admin_required', 'Only the admin key (OZ_ADMIN_API_KEY) may use this route');
    }
    return true;
  }
}

export function bearerTokenOf(header: string | undefined): string | null {
  const match = header ? BEARER.exec(header) : null;
  // Very short tokens are refused: under open tenancy any token opens a tenant, so a guessable one would be shared by accident.
  return match && match[1].length >= 8 && match[1].length <= 4096 ? match[1] : null;
}
