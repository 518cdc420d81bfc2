import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiException, SecretDigest } from '@oz/server-kit';
import type { FastifyRequest } from 'fastify';
import { ROUTE_ACCESS, type RouteAccess, sessionToken, type SessionUser } from '../common/auth';
import { WORKSPACE_CONFIG, type WorkspaceConfig } from '../config/workspace.config';
import { ClientAddress } from '../core/client-address';
import { isCookieWrite, originRefusal } from './origin-policy';
import { SessionsService } from './sessions.service';

/**
 * Every route needs a session (cookie `oz_session`, or the same token as a bearer) unless marked
 * otherwise, so a route added without thought is closed, not open. Writes carrying the session cookie
 * must come from the API's own origin or one in OZ_CORS_ORIGIN (origin-policy.ts).
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly agentKey: SecretDigest | null;
  private readonly allowedOrigins: string[];

  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: SessionsService,
    private readonly clients: ClientAddress,
    @Inject(WORKSPACE_CONFIG) config: WorkspaceConfig,
  ) {
    this.agentKey = SecretDigest.of(config.agentApiKey);
    // `*` lets any page read answers without credentials; it never lets one write with a cookie.
    this.allowedOrigins = Array.isArray(config.corsOrigins) ? config.corsOrigins.map(originOf).filter((o): o is string => o !== null) : [];
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.reflector.getAllAndOverride<RouteAccess | undefined>(ROUTE_ACCESS, [context.getHandler(), context.getClass()]);
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: SessionUser }>();
    if (access === 'agent-key') return this.checkAgentKey(request);
    if (isCookieWrite(request)) this.checkOrigin(request);
    if (access === 'public') return true;
    const user = await this.sessions.userFor(sessionToken(request));
    if (!user) throw new ApiException(401, 'authentication_required', 'Log in first: this route needs a valid session');
    request.user = user;
    return true;
  }

  private checkOrigin(request: FastifyRequest): void {
    const refused = originRefusal(request, this.clients.hostsOf(request), this.allowedOrigins);
    if (refused !== null) {
      throw new ApiException(
        403,
        'origin_not_allowed',
        `Refused a write with the session cookie from ${refused}: only this server's own pages and OZ_CORS_ORIGIN may send one (scripts can use the session token as a bearer instead)`,
      );
    }
  }

  private checkAgentKey(request: FastifyRequest): true {
    if (!this.agentKey) {
      throw new ApiException(403, 'agent_routes_disabled', 'Internal agent routes are disabled: AGENT_API_KEY is not set on the server');
    }
    const supplied = request.headers['x-agent-key'];
    if (typeof supplied !== 'string' || supplied === '') {
      throw new ApiException(401, 'agent_key_required', 'The X-Agent-Key header is required');
    }
    if (!this.agentKey.matches(supplied)) throw new ApiException(401, 'agent_key_invalid', 'The X-Agent-Key is not valid');
    return true;
  }
}

/** `https://app.example.com/` and `https://app.example.com` are one origin; anything that is not a URL is none. */
function originOf(value: string): string | null {
  try {
    return new URL(value).origin;
  } catch {
    return null;
  }
}
