import type { AmbientAgentConfig, HarnessType } from '@oz/contract';
import type { AgentHarness } from '@oz/workspace-contract';
import type { AgentRow } from '../agents/agent.view';

/**
 * The official `harness.type` of each harness an agent may name. `glm`, `kimi` and `custom` have
 * none: their runs route by `model_id` alone, and in a worker they run the environment's
 * OZ_AGENT_COMMAND.
 */
export const OFFICIAL_HARNESS_TYPE: Readonly<Record<AgentHarness, HarnessType | null>> = {
  'claude-code': 'claude',
  codex: 'codex',
  'gemini-cli': 'gemini',
  oz: 'oz',
  glm: null,
  kimi: null,
  custom: null,
};

/**
 * What an agent puts in its runs' `config` about harness and model, so that the control plane picks
 * the same provider as the local runner would (docs/providers.md, "Which provider answers a run"), and a worker
 * task runs the agent's CLI with the agent's model:
 * - an official harness goes in `harness.type` (the worker's OZ_HARNESS; the provider rules' harness)
 *   and the agent's model, when set, in `model_id` (OZ_MODEL_ID; a provider key or `<key>/<model>`
 *   routes a provider run as it does locally);
 * - glm, kimi and custom have no official type: `model_id` is the agent's model, else the harness's
 *   name, which names its provider key (or carries its word) as before.
 */
export function harnessConfig(agent: Pick<AgentRow, 'harness' | 'model'>): Pick<AmbientAgentConfig, 'harness' | 'model_id'> {
  const type = OFFICIAL_HARNESS_TYPE[agent.harness as AgentHarness] ?? null;
  if (type) return { harness: { type }, ...(agent.model ? { model_id: agent.model } : {}) };
  return { model_id: agent.model ?? agent.harness };
}
