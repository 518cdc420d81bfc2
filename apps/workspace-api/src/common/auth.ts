import { CanActivate, createParamDecorator, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiException, SecretDigest } from '@oz/server-kit';
import type { FastifyRequest } from 'fastify';
import { SessionsService } from '../accounts/sessions.service';
import { WORKSPACE_CONFIG, type WorkspaceConfig } from '../config/workspace.config';

export interface SessionUser {
  id: string;
  name: string;
  email: string;
}

type Access = 'public' | 'agent-key';
const ACCESS = 'oz:access';

/** No login needed (login itself, public share links, health). */
export const PublicRoute = () => SetMetadata(ACCESS, 'public' satisfies Access);
/** For external agents: `X-Agent-Key` must equal AGENT_API_KEY; a session is neither needed nor enough. */
export const AgentKeyRoute = () => SetMetadata(ACCESS, 'agent-key' satisfies Access);

/** The logged-in user of a session route. */
export const CurrentUser = createParamDecorator(
  (_: unknown, context: ExecutionContext): SessionUser => context.switchToHttp().getRequest<FastifyRequest & { user: SessionUser }>().user,
);

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
    const access = this.reflector.getAllAndOverride<Access | undefined>(ACCESS, [context.getHandler(), context.getClass()]);
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

export const SESSION_COOKIE = 'oz_session';

export function sessionToken(request: FastifyRequest): string | null {
  const authorization = request.headers.authorization;
  if (authorization?.startsWith('Bearer ')) return authorization.slice(7).trim() || null;
  return readCookie(request.headers.cookie, SESSION_COOKIE);
}

function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim()) || null;
      } catch {
        return null;
      }
    }
  }
  return null;
}
