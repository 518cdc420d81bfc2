import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';
import { isValidModelId } from '@oz/contract';
import type { ProviderDefinition } from '../provider-settings';
import { ProviderError, safeReason } from '../provider-error';
import { sandboxedSpawn } from './cli-sandbox';
import type { Completion, CompletionRequest, ProviderClient } from './provider-client';

/** An answer larger than this is not an answer; the process is stopped. */
const MAX_OUTPUT_BYTES = 10 * 1024 * 1024;
/** How long a process gets to exit after SIGTERM before SIGKILL. */
const KILL_GRACE_MS = 2000;
const RATE_LIMIT_WORDS = /rate.?limit|too many requests|\b429\b|quota exceeded|usage limit/i;

/**
 * Runs a command-line agent (`claude -p`, `codex exec`, a script): the prompt on stdin, the answer on
 * stdout, streamed as it comes. The process runs in its own process group with only the environment
 * the provider was configured to pass, and the whole group is killed on cancel or timeout.
 * Only the total timeout applies: a CLI agent may think for minutes without printing anything.
 */
export class CliClient implements ProviderClient {
  constructor(private readonly provider: ProviderDefinition) {}

  async complete(request: CompletionRequest): Promise<Completion> {
    const { provider } = this;
    const cli = provider.cli;
    if (!cli) throw new ProviderError('config', `${provider.key}: no command configured`);
    // The model reaches the command's arguments (`{model}`): a plain id only, never an option.
    if (!isValidModelId(request.model)) {
      throw new ProviderError('request', `${provider.key}: model id "${request.model.slice(0, 80)}" must be letters, digits and . _ : / - (not starting with one of those)`);
    }
    // A fresh, empty folder per call, gone afterwards: nothing of one tenant's call is left for the next.
    const workDir = await mkdtemp(join(tmpdir(), 'oz-cli-'));
    try {
      await mkdir(join(workDir, '.home'));
      return await this.run(cli, request, workDir);
    } finally {
      await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  private run(cli: NonNullable<ProviderDefinition['cli']>, request: CompletionRequest, workDir: string): Promise<Completion> {
    const { provider } = this;
    const target = sandboxedSpawn(
      cli.sandbox,
      workDir,
      cli.command,
      cli.args.map((arg) => arg.split('{model}').join(request.model)),
    );
    return new Promise<Completion>((resolve, reject) => {
      // The spawned program's environment is all the command will ever see: a sandbox started with the
      // server's environment would leave it readable in /proc inside the sandbox.
      const child = spawn(target.file, target.args, {
        cwd: target.cwd,
        detached: true,
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { ...cli.env, ...target.env, OZ_MODEL: request.model, ...(provider.apiKey ? { OZ_PROVIDER_API_KEY: provider.apiKey } : {}) },
      });
      let stopReason: ProviderError | undefined;
      let stdoutBytes = 0;
      let stdout = '';
      let stderr = '';
      const decoder = new TextDecoder();
      let killTimer: NodeJS.Timeout | undefined;
      let closed = false;

      // Not "has the command exited": a process it left behind may still hold stdout open (the call
      // is not over until 'close'), and it belongs to the group that is killed.
      const stop = (reason: ProviderError) => {
        if (stopReason || closed || child.pid === undefined) return;
        stopReason = reason;
        killGroup(child.pid, 'SIGTERM');
        killTimer = setTimeout(() => child.pid !== undefined && killGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS);
      };
      const onCancel = () => stop(new ProviderError('cancelled', `${provider.key}: call cancelled`));
      const total = setTimeout(
        () => stop(new ProviderError('timeout', `${provider.key}: no answer within ${provider.timeoutMs / 1000} s`)),
        provider.timeoutMs,
      );
      request.signal.addEventListener('abort', onCancel, { once: true });
      if (request.signal.aborted) onCancel();

      child.stdout.on('data', (chunk: Buffer) => {
        stdoutBytes += chunk.byteLength;
        if (stdoutBytes > MAX_OUTPUT_BYTES) {
          stop(new ProviderError('bad_response', `${provider.key}: output over ${MAX_OUTPUT_BYTES} bytes; stopped`));
          return;
        }
        const text = decoder.decode(chunk, { stream: true });
        stdout += text;
        if (text) request.onDelta?.(text);
      });
      child.stderr.on('data', (chunk: Buffer) => {
        // Only the tail matters for a failure reason.
        stderr = (stderr + chunk.toString('utf8')).slice(-4000);
      });
      // A command that exits without reading stdin closes the pipe; that is its business.
      child.stdin.on('error', () => undefined);
      child.stdin.end(request.system ? `${request.system}\n\n${request.prompt}` : request.prompt);

      const finish = () => {
        clearTimeout(total);
        clearTimeout(killTimer);
        request.signal.removeEventListener('abort', onCancel);
      };
      child.on('error', (error: NodeJS.ErrnoException) => {
        finish();
        const what = target.file === cli.command ? cli.command : `${target.file} (the sandbox of ${cli.command}; see OZ_CLI_SANDBOX)`;
        reject(new ProviderError('config', `${provider.key}: cannot run ${what} (${error.code ?? error.message})`));
      });
      child.on('close', (code, signal) => {
        closed = true;
        finish();
        if (stopReason) return reject(stopReason);
        const answer = stdout.trimEnd();
        if (code === 0 && answer) return resolve({ text: answer });
        if (code === 0) return reject(new ProviderError('bad_response', `${provider.key}: ${cli.command} printed nothing`));
        const said = safeReason(stderr.trim() || stdout.trim().slice(-500), [provider.apiKey]);
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        reject(
          new ProviderError(RATE_LIMIT_WORDS.test(said) ? 'rate_limit' : 'server', `${provider.key}: ${cli.command} ${how}${said ? `: ${said}` : ''}`, {
            status: code ?? undefined,
          }),
        );
      });
    });
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** Start-up check: the command exists and may be executed (looked up on the PATH it will get). */
export function cliCommandProblem(command: string, path: string | undefined): string | null {
  const candidates = isAbsolute(command) || command.includes('/') ? [command] : (path ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, command));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      // A directory passes the X_OK check too, but cannot be run.
      if (statSync(candidate).isFile()) return null;
    } catch {
      // try the next directory
    }
  }
  return `command ${command} is not an executable file${isAbsolute(command) ? '' : ' on PATH'}`;
}
