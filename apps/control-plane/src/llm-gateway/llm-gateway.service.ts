import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { modelPicksRoute, planRoute, ProviderError, ProviderRouter, type Attempt, type DispatchOutcome, type Harness, type RouteSelector } from '@oz/providers';
import { sleep } from '@oz/server-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { Metrics } from '../metrics/metrics';
import type { TaskCaller } from '../tasks/task-auth';
import { GatewayError } from './gateway-error';
import { RequestUsageRepository } from './request-usage.repository';
import type { RawSseEvent } from './sse-events';
import { callUpstream, type UpstreamAnswer, type UpstreamStream } from './upstream';
import { isUsageOnlyChunk, WIRE_FORMATS, type ClientCall, type TokenUsage, type WireFormat, type WireFormatSpec } from './wire-formats';

/** The harness a format's own CLI is, for a call whose model and run name none. */
const FORMAT_HARNESS: Record<WireFormat, Harness> = {
  anthropic_messages: 'claude-code',
  openai_chat: 'codex',
  openai_responses: 'codex',
  gemini: 'gemini-cli',
};

/** What one attempt returns once the provider's answer is taken. */
interface Taken {
  answer: UpstreamAnswer;
  attempt: Attempt;
  dropUsageChunk: boolean;
}

/** Refusals about what the request holds, whose reasons the task is told (as a run's tenant is). */
const TASK_REQUEST_STATUSES: ReadonlySet<number> = new Set([400, 413, 422]);

/** The longest the gateway sleeps between two looks at saturated providers (a slot may free sooner elsewhere). */
const MAX_QUEUE_NAP_MS = 5_000;

/**
 * The LLM gateway: a task container's call, in a provider's own wire format, passed through to a
 * provider of that format chosen like a run's provider (the call's model by the run rules, else the
 * run's config), through the router: the same quotas (slots in PostgreSQL), fallback (429, 5xx,
 * network, timeouts; before anything reached the client) and queueing (the client waits, up to
 * OZ_QUEUE_MAX_WAIT_SECONDS) as provider runs. The provider's key is added here and never returned;
 * streams are passed on event by event as they come; the client going away cancels the call. The
 * tokens each answer reports are added to the run's and the provider's usage.
 */
@Injectable()
export class LlmGatewayService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('llm-gateway');
  /** Calls in flight, stopped when the replica stops (a stream could otherwise hold it for minutes). */
  private readonly inFlight = new Set<AbortController>();

  constructor(
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    private readonly router: ProviderRouter,
    private readonly usage: RequestUsageRepository,
    private readonly metrics: Metrics,
  ) {}

  beforeApplicationShutdown(): void {
    this.inFlight.forEach((call) => call.abort());
  }

  /** Answers `call` on `reply`, or throws a GatewayError (nothing sent yet) for the controller's filter. */
  async serve(task: TaskCaller, call: ClientCall, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const spec = WIRE_FORMATS[call.format];
    const gone = new AbortController();
    const onClose = () => {
      if (!reply.raw.writableFinished) gone.abort();
    };
    reply.raw.once('close', onClose);
    this.inFlight.add(gone);
    const started = Date.now();
    // What the task was answered (a GatewayError's status when it was one), for oz_gateway_requests_total.
    let status = 500;
    try {
      const taken = await this.take(task, call, spec, gone.signal);
      const { answer, attempt } = taken;
      status = answer.status;
      const usage: TokenUsage = { input: null, output: null };
      let complete: boolean;
      // Counted before the answer's end leaves: a client that has its whole answer finds it counted.
      if (answer.kind === 'json') {
        Object.assign(usage, readJsonUsage(spec, answer.body));
        complete = true;
        await this.count(task.id, attempt.provider.key, usage, false);
        void reply
          .status(answer.status)
          .headers(this.headersOf(request, answer, attempt))
          .send(answer.body);
      } else {
        complete = await this.relay(task, spec, taken, answer, request, reply, usage, gone.signal);
        await this.count(task.id, attempt.provider.key, usage, !complete);
        if (!reply.raw.writableEnded) reply.raw.end();
      }
      this.logger.debug({ runId: task.id, provider: attempt.provider.key, format: call.format, ms: Date.now() - started, usage, complete }, 'gateway.call');
    } catch (error) {
      if (error instanceof GatewayError) status = error.status;
      throw error;
    } finally {
      this.metrics.gatewayRequest(call.format, status, (Date.now() - started) / 1000);
      reply.raw.off('close', onClose);
      this.inFlight.delete(gone);
    }
  }

  /**
   * The model ids an OpenAI client may send: each usable openai_compatible provider's key (which routes
   * to it). Not the models configured behind them: those are the operator's.
   */
  openAiModels(): string[] {
    return [...this.router.settings.providers.values()]
      .filter((provider) => provider.type === 'openai_compatible' && !provider.problems.length)
      .map((provider) => provider.key)
      .sort();
  }

  /** Which providers the call may use: its model by the run rules; else the run's config; else the format's own harness. */
  selectorFor(task: TaskCaller, call: ClientCall): RouteSelector {
    const { settings } = this.router;
    if (modelPicksRoute(settings, call.model)) return { modelId: call.model };
    const runModel = task.agentConfig.model_id ?? task.modelId ?? '';
    const harnessType = task.agentConfig.harness?.type;
    if (modelPicksRoute(settings, runModel) || (harnessType && harnessType !== 'oz')) return { modelId: runModel, harnessType };
    return { harness: FORMAT_HARNESS[call.format] };
  }

  /** Routes the call until a provider's answer is taken: fallback, and queueing while everything is saturated. */
  private async take(task: TaskCaller, call: ClientCall, spec: WireFormatSpec, signal: AbortSignal): Promise<Taken> {
    const selector = this.selectorFor(task, call);
    const candidates = planRoute(this.router.settings, selector)
      .candidates.filter(({ provider }) => spec.providerTypes.includes(provider.type))
      .map(({ provider }) => provider.key);
    let saturatedSince: Date | null = null;
    for (;;) {
      const trail = this.metrics.providers.trail(candidates);
      const outcome: DispatchOutcome<Taken> = await this.router.dispatch(
        { runId: task.id, ...selector, signal, saturatedSince, types: spec.providerTypes },
        (attempt) => this.attempt(task, call, spec, attempt, signal),
        {
          onAttempt: ({ provider }) => {
            trail.attempting(provider.key);
            return true;
          },
          onAttemptFailed: ({ provider }, error) =>
            this.logger.warn({ runId: task.id, provider: provider.key, kind: error.kind, reason: error.message }, 'gateway.provider_failed'),
        },
      );
      switch (outcome.kind) {
        case 'answered':
          return outcome.value;
        case 'cancelled':
          throw GatewayError.clientGone();
        case 'saturated': {
          saturatedSince ??= new Date();
          this.logger.log({ runId: task.id, retryAt: outcome.retryAt.toISOString() }, 'gateway.waiting_for_slot');
          const wait = Math.min(MAX_QUEUE_NAP_MS, Math.max(0, outcome.retryAt.getTime() - Date.now()));
          await sleep(wait, signal).catch(() => undefined);
          if (signal.aborted) throw GatewayError.clientGone();
          continue;
        }
        case 'failed':
          this.logger.warn({ runId: task.id, format: call.format, model: call.model, reason: outcome.message }, 'gateway.failed');
          throw this.failure(outcome, spec, call);
      }
    }
  }

  /** One provider: the call passed through; a failure is counted against it and left to the router. */
  private async attempt(task: TaskCaller, call: ClientCall, spec: WireFormatSpec, attempt: Attempt, signal: AbortSignal): Promise<Taken> {
    const upstream = spec.upstream(attempt.provider, attempt.model, call);
    this.metrics.providers.called(attempt.provider.key);
    try {
      const answer = await callUpstream(attempt.provider, upstream, spec, signal);
      return { answer, attempt, dropUsageChunk: upstream.dropUsageChunk };
    } catch (error) {
      if (error instanceof ProviderError) this.metrics.providers.failed(attempt.provider.key, error.kind);
      if (error instanceof ProviderError && error.kind !== 'cancelled') await this.count(task.id, attempt.provider.key, { input: null, output: null }, true);
      throw error;
    }
  }

  /**
   * Passes a stream on, event by event, reading usage on the way, and leaves the response open for
   * the caller to end. True when it ended properly; a break or a timeout after the first event reaches
   * the client as an error event in its format.
   */
  private async relay(
    task: TaskCaller,
    spec: WireFormatSpec,
    taken: Taken,
    answer: UpstreamStream,
    request: FastifyRequest,
    reply: FastifyReply,
    usage: TokenUsage,
    gone: AbortSignal,
  ): Promise<boolean> {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(answer.status, { ...this.headersOf(request, answer, taken.attempt), 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
    let ended = false;
    /** The events of one chunk, read, then passed on in one write. */
    const pass = async (events: RawSseEvent[]): Promise<boolean> => {
      let text = '';
      for (const event of events) {
        spec.readEvent(event, usage);
        if (spec.ends(event)) ended = true;
        if (!(taken.dropUsageChunk && isUsageOnlyChunk(event))) text += event.raw;
      }
      return text === '' || write(res, text);
    };
    const stop = () => answer.close();
    gone.addEventListener('abort', stop, { once: true });
    try {
      if (!(await pass(answer.head))) return false;
      for await (const events of answer.rest()) if (!(await pass(events))) return false;
      // The provider closed the stream: whether it ended it properly (an end event) or not, the client sees what it sent.
      return ended;
    } catch (error) {
      const reason = error instanceof ProviderError ? error.message : String(error);
      this.logger.warn({ runId: task.id, provider: taken.attempt.provider.key, reason }, 'gateway.stream_broke');
      if (!gone.aborted) await write(res, spec.streamErrorEvent('The provider’s stream broke off before it ended; try again'));
      return false;
    } finally {
      gone.removeEventListener('abort', stop);
      answer.close();
      // The caller ends the response, once the call is counted.
    }
  }

  private headersOf(request: FastifyRequest, answer: UpstreamAnswer, attempt: Attempt): Record<string, string> {
    // Only these: the provider's other headers (auth challenges, cookies, its account's rate limits) stay here.
    return {
      'content-type': answer.contentType,
      'x-request-id': request.id,
      'x-oz-provider': attempt.provider.key,
      ...(answer.requestId ? { 'request-id': answer.requestId } : {}),
    };
  }

  private async count(runId: string, providerKey: string, usage: TokenUsage, failed: boolean): Promise<void> {
    try {
      await this.usage.add(runId, providerKey, { calls: 1, failedCalls: failed ? 1 : 0, inputTokens: usage.input ?? 0, outputTokens: usage.output ?? 0 });
    } catch (error) {
      this.logger.error({ err: error, runId, provider: providerKey }, 'gateway.usage_not_recorded');
    }
  }

  /** Why no provider answered, in words for the task (the operator's details are in the log). */
  private failure(outcome: Extract<DispatchOutcome<Taken>, { kind: 'failed' }>, spec: WireFormatSpec, call: ClientCall): GatewayError {
    const { error } = outcome;
    if (outcome.saturatedUntil) {
      const retryAfter = Math.max(1, Math.ceil((outcome.saturatedUntil.getTime() - Date.now()) / 1000));
      const why = this.router.settings.queueOnSaturation
        ? `none frees within the queue limit of ${this.config.providers.queueMaxWaitMs / 1000} s (OZ_QUEUE_MAX_WAIT_SECONDS)`
        : 'queueing is off (OZ_QUEUE_ON_SATURATION)';
      return new GatewayError(429, `Every provider this request could use is at its limit, and ${why}; try again in ${retryAfter} s`, retryAfter);
    }
    if (error && outcome.attempt) {
      if (error.kind === 'auth') {
        return new GatewayError(502, 'The provider refused this deployment’s own credentials for it; the administrator can see why (GET /api/v1/admin/providers and the control plane’s log)');
      }
      if (error.kind === 'request') {
        const status = error.details.status ?? 400;
        // What the request holds (too long, malformed) is the task's own business: the provider's words.
        if (TASK_REQUEST_STATUSES.has(status)) return new GatewayError(status, `The provider refused the request: ${error.details.reason ?? 'no reason given'}`);
        // Anything else (a wrong URL or model: 404) is the operator's, and names their configuration.
        const hint = call.format === 'openai_responses' && status === 404 ? '; does the provider speak the Responses API? (docs/llm-gateway.md)' : '';
        return new GatewayError(status, `The provider refused the request (HTTP ${status})${hint}; the administrator can see why`);
      }
      return new GatewayError(502, 'The provider could not be called as configured; the administrator can see why');
    }
    if (!outcome.errors.length) {
      return new GatewayError(404, `No provider speaking ${spec.label} serves model "${call.model}" for this run; the administrator can configure ${spec.configureHint} (docs/llm-gateway.md)`);
    }
    return new GatewayError(502, 'No provider could answer: every provider this request could use failed or was busy; try again later');
  }
}

/** Usage from a whole answer (JSON); nothing when it is not JSON. */
function readJsonUsage(spec: WireFormatSpec, body: Buffer): TokenUsage {
  try {
    return spec.usageOfJson(JSON.parse(body.toString('utf8')));
  } catch {
    return { input: null, output: null };
  }
}

/** Writes and waits while the client's socket is full; false once the client is gone. */
async function write(res: ServerResponse, text: string): Promise<boolean> {
  if (res.destroyed || res.writableEnded) return false;
  if (res.write(text)) return true;
  await new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
  return !res.destroyed;
}
