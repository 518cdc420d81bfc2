import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiException, SecretDigest } from '@oz/server-kit';
import type { FastifyRequest } from 'fastify';
import { ROOM_TOKEN_PREFIX, RunCallbacks } from '../agent-runs/run-callbacks';
import { type AgentCaller, ROUTE_ACCESS, type RouteAccess, sessionToken, type SessionUser } from '../common/auth';
import { WORKSPACE_CONFIG, type WorkspaceConfig } from '../config/workspace.config';
import { ClientAddress } from '../core/client-address';
import { isCookieWrite, originRefusal } from './origin-policy';
import { SessionsService } from './sessions.service';

/**
 * Every route needs a session (cookie `oz_session`, or the same token as a bearer) unless marked
 * otherwise, so a route added without thought is closed, not open. Writes carrying the session cookie
 * must come from the API's own origin or one in OZ_CORS_ORIGIN (origin-policy.ts). Internal agent
 * routes take `X-Agent-Key` or a run's room callback token (a bearer `oz_room_…`), never a session;
 * a write with a callback token is counted against its run's limit here.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly agentKey: SecretDigest | null;
  private readonly allowedOrigins: string[];

  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: SessionsService,
    private readonly clients: ClientAddress,
    private readonly callbacks: RunCallbacks,
    @Inject(WORKSPACE_CONFIG) config: WorkspaceConfig,
  ) {
    this.agentKey = SecretDigest.of(config.agentApiKey);
    // `*` lets any page read answers without credentials; it never lets one write with a cookie.
    this.allowedOrigins = Array.isArray(config.corsOrigins) ? config.corsOrigins.map(originOf).filter((o): o is string => o !== null) : [];
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.reflector.getAllAndOverride<RouteAccess | undefined>(ROUTE_ACCESS, [context.getHandler(), context.getClass()]);
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: SessionUser; agentCaller?: AgentCaller }>();
    if (access === 'agent-key') {
      request.agentCaller = await this.agentCaller(request);
      return true;
    }
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

  /**
   * `X-Agent-Key` when the request carries one; otherwise a room callback token as the bearer (a
   * session token there is not one, and is refused like no key at all).
   */
  private async agentCaller(request: FastifyRequest): Promise<AgentCaller> {
    const supplied = request.headers['x-agent-key'];
    const bearer = request.headers.authorization?.startsWith('Bearer ') ? request.headers.authorization.slice(7).trim() : '';
    if (supplied === undefined && bearer.startsWith(ROOM_TOKEN_PREFIX)) {
      const caller = await this.callbacks.identify(bearer);
      if (request.method !== 'GET' && request.method !== 'HEAD') await this.callbacks.chargeWrite(caller);
      return caller;
    }
    if (!this.agentKey) {
      throw new ApiException(403, 'agent_routes_disabled', 'Internal agent routes take a run\'s room callback token; X-Agent-Key is disabled: AGENT_API_KEY is not set on the server');
    }
    if (typeof supplied !== 'string' || supplied === '') {
      throw new ApiException(401, 'agent_key_required', 'The X-Agent-Key header is required (or a run\'s room callback token as the bearer)');
    }
    if (!this.agentKey.matches(supplied)) throw new ApiException(401, 'agent_key_invalid', 'The X-Agent-Key is not valid');
    return { kind: 'key' };
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
