import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Principal } from './principal';

export const PUBLIC_ROUTE = 'oz:public-route';

/** Marks a route that needs no bearer token (health checks). Everything else is authenticated. */
export const PublicRoute = () => SetMetadata(PUBLIC_ROUTE, true);

export const TASK_ROUTE = 'oz:task-route';

/**
 * Marks a route of task containers (the LLM gateway, the task reports): the bearer guard leaves it to
 * the route's own guard, which takes only a run's task token.
 */
export const TaskRoute = () => SetMetadata(TASK_ROUTE, true);

export const ADMIN_ROUTE = 'oz:admin-route';

/** Marks a route only the admin key may call (operator views); other tokens get 403. */
export const AdminOnly = () => SetMetadata(ADMIN_ROUTE, true);

export type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new Error('CurrentPrincipal used on a public route');
  return principal;
});
