import type { ProviderDefinition } from '../provider-settings';

export interface CompletionRequest {
  model: string;
  /** Instructions that come before the prompt (the run's `base_prompt`). */
  system?: string;
  prompt: string;
  /** Aborting it stops the call at once: the HTTP request is aborted, a CLI's process group killed. */
  signal: AbortSignal;
  /** Text as it streams in, piece by piece. */
  onDelta?: (text: string) => void;
}

export interface Completion {
  text: string;
}

/** One provider type's way of answering a prompt; failures are ProviderErrors. */
export interface ProviderClient {
  complete(request: CompletionRequest): Promise<Completion>;
}

export type ProviderClientFactory = (provider: ProviderDefinition) => ProviderClient;
