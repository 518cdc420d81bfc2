import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiException, SecretDigest } from '@oz/server-kit';
import type { FastifyRequest } from 'fastify';
import { ROUTE_ACCESS, type RouteAccess, sessionToken, type SessionUser } from '../common/auth';
import { WORKSPACE_CONFIG, type WorkspaceConfig } from '../config/workspace.config';
import { SessionsService } from './sessions.service';

/**
 * Every route needs a session (cookie `oz_session`, or the same token as a bearer) unless marked
 * otherwise, so a route added without thought is closed, not open.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly agentKey: SecretDigest | null;

  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: SessionsService,
    @Inject(WORKSPACE_CONFIG) config: WorkspaceConfig,
  ) {
    this.agentKey = SecretDigest.of(config.agentApiKey);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.reflector.getAllAndOverride<RouteAccess | undefined>(ROUTE_ACCESS, [context.getHandler(), context.getClass()]);
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: SessionUser }>();
    if (access === 'public') return true;
    if (access === 'agent-key') return this.checkAgentKey(request);
    const user = await this.sessions.userFor(sessionToken(request));
    if (!user) throw new ApiException(401, 'authentication_required', 'Log in first: this route needs a valid session');
    request.user = user;
    return true;
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
