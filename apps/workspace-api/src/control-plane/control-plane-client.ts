import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ErrorBody, FieldError } from '@oz/contract';
import { ApiException } from '@oz/server-kit';
import OzAPI, { APIConnectionError, APIError } from 'oz-agent-sdk';
import { WORKSPACE_CONFIG, type WorkspaceConfig } from '../config/workspace.config';

/** One call to the control plane waits this long at most (the SDK's retries included). */
const CALL_TIMEOUT_MS = 30_000;

/** The control plane a remote-mode workspace talks to; null in local mode. */
export interface ControlPlaneSettings {
  /** `…/api/v1`, no trailing slash. */
  apiBaseUrl: string;
  /** OZ_API_KEY: the admin key, for the instance admin's views and for registering tenant keys. */
  adminKey: string;
}

/** What the control plane answered with, when it answered with an error. */
export class ControlPlaneRefusal extends Error {
  constructor(
    readonly status: number,
    readonly body: Partial<ErrorBody> | null,
    readonly retryAfterSeconds?: number,
  ) {
    super(body?.message ?? `The control plane answered ${status}`);
  }
}

/**
 * Transport to the control plane: the official oz-agent-sdk where it covers the call (runs,
 * schedules), plain fetch for the rest (environments, logs, admin routes). Knows nothing of users:
 * callers pass the bearer token to use. Every failure becomes an ApiException the dashboard can show
 * (see `asApiException`).
 */
@Injectable()
export class ControlPlaneClient {
  private readonly logger = new Logger('control-plane');
  readonly settings: ControlPlaneSettings | null;

  constructor(@Inject(WORKSPACE_CONFIG) config: WorkspaceConfig) {
    this.settings = config.runner.mode === 'remote' ? { apiBaseUrl: config.runner.apiBaseUrl.replace(/\/+$/, ''), adminKey: config.runner.apiKey } : null;
  }

  /** The control plane's origin (its `/health` lives there, outside `/api/v1`). */
  get origin(): string {
    return new URL(this.required().apiBaseUrl).origin;
  }

  /** An SDK client acting with `token`. Cheap: one per call. */
  sdk(token: string): OzAPI {
    return new OzAPI({ apiKey: token, baseURL: this.required().apiBaseUrl, maxRetries: 1, timeout: CALL_TIMEOUT_MS });
  }

  /**
   * A JSON call outside what the SDK covers. `path` is below `/api/v1`, its ids already checked and
   * encoded by the caller. Resolves to the parsed body (undefined for 204); throws ControlPlaneRefusal.
   */
  async json<T>(token: string, method: string, path: string, options: { query?: Record<string, string | number | undefined>; body?: unknown } = {}): Promise<T> {
    const url = new URL(`${this.required().apiBaseUrl}${path}`);
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    const response = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
    });
    const text = await response.text();
    const parsed = parseJson(text);
    if (!response.ok) throw new ControlPlaneRefusal(response.status, isErrorBody(parsed) ? parsed : null, retryAfterOf(response.headers.get('retry-after')));
    return (text ? parsed : undefined) as T;
  }

  /** Whether the control plane answers its health check, and if not, why (in words). */
  async health(): Promise<string | null> {
    try {
      const response = await fetch(`${this.origin}/health`, { signal: AbortSignal.timeout(3_000) });
      return response.ok ? null : `its health check answers ${response.status}`;
    } catch (error) {
      return `it does not answer (${describeCause(error)})`;
    }
  }

  /** The HTTP status of a failed call, when the control plane answered one (SDK or fetch). */
  statusOf(error: unknown): number | null {
    if (error instanceof ControlPlaneRefusal) return error.status;
    if (error instanceof APIError && typeof error.status === 'number') return error.status;
    return null;
  }

  /**
   * Says what went wrong in words the dashboard shows. The control plane's own 4xx (not found,
   * invalid input, conflict, rate limited) pass through with its message; its credentials problems
   * (401, 403: ours, not the user's) and its failures are a 502, so the browser never mistakes them
   * for its own session ending.
   */
  asApiException(error: unknown): ApiException {
    if (error instanceof ApiException) return error;
    const refusal = toRefusal(error);
    if (!refusal) {
      this.logger.warn({ err: error }, 'control_plane.unreachable');
      return new ApiException(502, 'control_plane_unreachable', `The control plane did not answer (${describeCause(error)}); try again in a moment`);
    }
    const { status, body } = refusal;
    const message = body?.message ?? `The control plane answered ${status}`;
    if (status === 401 || status === 403) {
      this.logger.warn({ status, code: body?.code }, 'control_plane.credentials_refused');
      return new ApiException(502, 'control_plane_refused', `The control plane refused the workspace's credentials: ${message}`);
    }
    if (status >= 500 || status < 400) {
      this.logger.warn({ status, code: body?.code }, 'control_plane.failed');
      return new ApiException(502, 'control_plane_error', `The control plane failed: ${message}`);
    }
    return new ApiException(status, body?.code ?? 'control_plane_error', message, fieldErrorsOf(body), refusal.retryAfterSeconds);
  }

  private required(): ControlPlaneSettings {
    if (!this.settings) throw new ApiException(409, 'control_plane_not_connected', 'This workspace runs agents itself (OZ_RUNNER_MODE=local) and is connected to no control plane');
    return this.settings;
  }
}

function toRefusal(error: unknown): ControlPlaneRefusal | null {
  if (error instanceof ControlPlaneRefusal) return error;
  if (error instanceof APIError && !(error instanceof APIConnectionError) && typeof error.status === 'number') {
    const body = isErrorBody(error.error) ? error.error : null;
    return new ControlPlaneRefusal(error.status, body, retryAfterOf(error.headers?.get('retry-after') ?? null));
  }
  return null;
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

function isErrorBody(value: unknown): value is Partial<ErrorBody> {
  return typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string';
}

function fieldErrorsOf(body: Partial<ErrorBody> | null): FieldError[] | undefined {
  const errors = body?.errors;
  if (!Array.isArray(errors)) return undefined;
  return errors.filter((e): e is FieldError => typeof e?.field === 'string' && typeof e?.message === 'string');
}

function retryAfterOf(header: string | null): number | undefined {
  const seconds = header ? Number(header) : NaN;
  return Number.isFinite(seconds) && seconds >= 0 ? Math.ceil(seconds) : undefined;
}

function describeCause(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    if (error.name === 'TimeoutError') return 'timed out';
    return cause?.code ?? cause?.message ?? error.message;
  }
  return String(error);
}
