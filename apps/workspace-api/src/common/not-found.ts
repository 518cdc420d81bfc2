import { ApiException } from '@oz/server-kit';

/**
 * Not found, worded the same whether the resource does not exist or belongs to someone else: a caller
 * must not learn which ids exist.
 */
export function notFound(resource: string, id: string): ApiException {
  const shown = id.length > 120 ? `${id.slice(0, 120)}…` : id;
  return new ApiException(404, 'resource_not_found', `${resource} ${shown} not found`);
}
