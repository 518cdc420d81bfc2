import { ApiException } from '@oz/server-kit';
import type { AgentCaller } from './auth';

/**
 * The agent an internal-route caller acts as. With a room callback token it is always its run's
 * agent: `agentId` may be left out (then it is that one) or name it; any other agent is refused,
 * naming `field`. With X-Agent-Key it is whoever `agentId` names (checked against the room by the
 * caller of this), and null when none is named.
 */
export function actingAgent(caller: AgentCaller, agentId: string | undefined, field: string): string | null {
  if (caller.kind === 'key') return agentId ?? null;
  if (agentId === undefined || agentId === caller.agentId) return caller.agentId;
  const problem = `${field} must be the agent of this run's callback token (${caller.agentId}): a run acts as its own agent only`;
  throw ApiException.badRequest(problem, [{ field, message: problem }]);
}

/** A field an X-Agent-Key caller must send (a room callback token implies it). */
export function requiredField(field: string, message: string): ApiException {
  return ApiException.badRequest(message, [{ field, message }]);
}
