import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../../config/control-plane.config';
import { ApiException } from '@oz/server-kit';
import { ADMIN_ROUTE, PUBLIC_ROUTE, type AuthenticatedRequest } from './auth.decorators';
import { principalFor } from './principal';
import { SecretDigest } from '@oz/server-kit';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * Global guard: every route needs `Authorization: Bearer <token>` unless marked @PublicRoute(), and
 * the admin key when marked @AdminOnly().
 */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  private readonly adminKey: SecretDigest | null;

  constructor(
    private readonly reflector: Reflector,
    @Inject(CONTROL_PLANE_CONFIG) config: ControlPlaneConfig,
  ) {
    this.adminKey = SecretDigest.of(config.adminApiKey);
  }

  canActivate(context: ExecutionContext): boolean {
    const isPublic = this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = bearerTokenOf(request.headers.authorization);
    if (!token) {
      throw new ApiException(401, 'authentication_required', 'Missing or malformed Authorization header; send "Bearer <token>" with a token of at least 8 characters');
    }
    request.principal = principalFor(token, this.adminKey?.matches(token) ?? false);
    const adminOnly = this.reflector.getAllAndOverride<boolean>(ADMIN_ROUTE, [context.getHandler(), context.getClass()]);
    if (adminOnly && !request.principal.isAdmin) {
      throw new ApiException(403, 'admin_required', 'Only the admin key (OZ_ADMIN_API_KEY) may use this route');
    }
    return true;
  }
}

export function bearerTokenOf(header: string | undefined): string | null {
  const match = header ? BEARER.exec(header) : null;
  // Very short tokens are refused: any token opens a tenant, so a guessable one would be shared by accident.
  return match && match[1].length >= 8 && match[1].length <= 4096 ? match[1] : null;
}
