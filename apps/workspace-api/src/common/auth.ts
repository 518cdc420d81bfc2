import { applyDecorators, createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiSecurity } from '@nestjs/swagger';
import { ApiErrorResponses } from '@oz/server-kit';
import type { FastifyRequest } from 'fastify';

export interface SessionUser {
  id: string;
  name: string;
  email: string;
  is_admin: boolean;
}

/**
 * Who calls an internal agent route: a trusted caller with `X-Agent-Key` (any room, every id checked),
 * or an agent run with its room callback token (its own room and run only, acting as its own agent).
 */
export type AgentCaller = { kind: 'key' } | { kind: 'run'; runId: string; roomId: string; agentId: string };

export type RouteAccess = 'public' | 'agent-key';
export const ROUTE_ACCESS = 'oz:access';
export const SESSION_COOKIE = 'oz_session';

/** No login needed (login itself, public share links, health). */
export const PublicRoute = () => SetMetadata(ROUTE_ACCESS, 'public' satisfies RouteAccess);

/**
 * For external agents: `X-Agent-Key` equal to AGENT_API_KEY, or a run's room callback token as a
 * bearer (`oz_room_…`, scoped to that run's room); a session is neither needed nor enough.
 */
export const AgentKeyRoute = () =>
  applyDecorators(
    SetMetadata(ROUTE_ACCESS, 'agent-key' satisfies RouteAccess),
    ApiSecurity('agent-key'),
    ApiSecurity('room-callback-token'),
    ApiErrorResponses(401, 403),
  );

/**
 * Routes need a session unless marked otherwise (accounts/access.guard.ts); this only documents it:
 * the `oz_session` cookie, or the same token as a bearer, and the 401 without one.
 */
export const SessionRoute = () => applyDecorators(ApiCookieAuth(), ApiBearerAuth(), ApiErrorResponses(401));

/** The logged-in user of a session route. */
export const CurrentUser = createParamDecorator(
  (_: unknown, context: ExecutionContext): SessionUser => context.switchToHttp().getRequest<FastifyRequest & { user: SessionUser }>().user,
);

/** The caller of an internal agent route, as AccessGuard found it. */
export const CurrentAgentCaller = createParamDecorator(
  (_: unknown, context: ExecutionContext): AgentCaller => context.switchToHttp().getRequest<FastifyRequest & { agentCaller: AgentCaller }>().agentCaller,
);

/** The session token of a request: a bearer token, else the session cookie. */
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
