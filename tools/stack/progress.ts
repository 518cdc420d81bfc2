/**
 * What `npm start` tells the person at the terminal: one line per step, with how long it took, and
 * nothing else (the services' own logs go to files). Plain lines, no cursor tricks, so the output
 * reads the same in a terminal, a pipe or a CI log.
 */
export class Progress {
  constructor(private readonly out: NodeJS.WritableStream = process.stdout) {}

  /** Runs `work` as one step: "  Building the control plane … 8.1 s", or "failed" and the error. */
  async step<T>(label: string, work: () => Promise<T>, done: (result: T) => string | undefined = () => undefined): Promise<T> {
    this.out.write(`  ${label} …`);
    const started = performance.now();
    try {
      const result = await work();
      const note = done(result);
      this.out.write(` ${seconds(performance.now() - started)}${note ? ` (${note})` : ''}\n`);
      return result;
    } catch (error) {
      this.out.write(error instanceof Error && error.name === 'StopRequested' ? ' interrupted\n' : ' failed\n');
      throw error;
    }
  }

  line(text = ''): void {
    this.out.write(`${text}\n`);
  }
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
