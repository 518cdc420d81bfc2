import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A file on the host that task containers append to (bind-mounted at /srv/executions): one line per
 * start, tick and end of every execution, naming the run and the container (`$HOSTNAME`), so a test
 * can see exactly which executions of a run ran, in which order, and whether two ran at once.
 */
export class ExecutionLog {
  readonly folder = mkdtempSync(join(tmpdir(), 'oz-executions-'));
  /** `--mount` for the workers. */
  readonly mount = `${this.folder}:/srv/executions`;

  constructor() {
    writeFileSync(join(this.folder, 'log'), '');
  }

  /**
   * The agent command of a task that records itself: start, `ticks` ticks half a second apart (each
   * also printed as `tick N`, so the run's log shows every one), end; its output is `done`.
   */
  static agent(ticks: number): string {
    return [
      'log=/srv/executions/log; me="$OZ_RUN_ID $HOSTNAME"',
      'echo "$me start" >> $log',
      `i=0; while [ $i -lt ${ticks} ]; do i=$((i+1)); echo "tick $i"; echo "$me tick" >> $log; sleep 0.5; done`,
      'echo "$me end" >> $log',
      'echo done',
    ].join('; ');
  }

  /** Every execution of `runId` so far, in the order they started. */
  of(runId: string): Execution[] {
    const executions = new Map<string, Execution>();
    const order: string[] = [];
    for (const line of readFileSync(join(this.folder, 'log'), 'utf8').split('\n')) {
      const [run, container, event] = line.split(' ');
      if (run !== runId || !container || !event) continue;
      if (!executions.has(container)) {
        executions.set(container, { container, started: false, ticks: 0, ended: false });
        order.push(container);
      }
      const execution = executions.get(container) as Execution;
      if (event === 'start') execution.started = true;
      if (event === 'tick') execution.ticks++;
      if (event === 'end') execution.ended = true;
    }
    return order.map((container) => executions.get(container) as Execution);
  }

  /**
   * True when two executions of `runId` ran at once: the file shows one of them writing again after
   * another had started (each writes every half second while it runs).
   */
  overlapped(runId: string): boolean {
    const writers: string[] = [];
    for (const line of readFileSync(join(this.folder, 'log'), 'utf8').split('\n')) {
      const [run, container] = line.split(' ');
      if (run === runId && container && writers.at(-1) !== container) writers.push(container);
    }
    return new Set(writers).size !== writers.length;
  }

  /** Resolves once every run has ticked `ticks` times in some execution (they are running, well into it). */
  async ticked(runIds: string[], ticks: number, timeoutMs = 90_000): Promise<void> {
    for (const deadline = Date.now() + timeoutMs; ; ) {
      if (runIds.every((id) => this.of(id).some((execution) => execution.ticks >= ticks))) return;
      if (Date.now() > deadline) throw new Error(`not every run ticked ${ticks} times within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  remove(): void {
    rmSync(this.folder, { recursive: true, force: true });
  }
}

export interface Execution {
  container: string;
  started: boolean;
  ticks: number;
  ended: boolean;
}
