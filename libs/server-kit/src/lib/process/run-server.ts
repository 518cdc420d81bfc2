import { ConfigError } from '../config/env-parsing';

/** What a server's main.js is made of; `runServer` supplies the exit codes every server shares. */
export interface ServerMain<Config> {
  /** How the server calls itself in its start-up failures ("control plane"). */
  name: string;
  /** Reads and validates the environment; throws ConfigError naming every bad variable. */
  loadConfig(env: Record<string, string | undefined>): Config;
  /** One-shot commands run instead of the server (`main.js migrate`), for deploy jobs. */
  commands?: Record<string, (config: Config) => Promise<void>>;
  /** Starts listening; the app's own shutdown hooks take it from there. */
  serve(config: Config): Promise<void>;
}

/** Exit codes: 78 (EX_CONFIG) for a bad configuration, 64 (EX_USAGE) for an unknown command, 1 for anything else. */
export const EXIT_CONFIG = 78;
export const EXIT_USAGE = 64;

/** Runs a server's main: `node main.js [command]`. */
export function runServer<Config>(main: ServerMain<Config>, argv = process.argv.slice(2), env = process.env): void {
  start(main, argv, env).catch((error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(EXIT_CONFIG); // Restarting will not help: the configuration is wrong.
    }
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(EXIT_USAGE);
    }
    process.stderr.write(`${main.name} failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}

class UsageError extends Error {}

async function start<Config>(main: ServerMain<Config>, argv: string[], env: Record<string, string | undefined>): Promise<void> {
  const [commandName] = argv;
  const command = commandName === undefined ? undefined : main.commands?.[commandName];
  if (commandName !== undefined && !command) {
    const known = Object.keys(main.commands ?? {});
    throw new UsageError(`unknown command "${commandName}"; usage: main.js${known.length ? ` [${known.join('|')}]` : ''}`);
  }
  const config = main.loadConfig(env);
  if (command) return command(config);
  await main.serve(config);
}
