import { NestFactory } from '@nestjs/core';
import { ConfigError, EXIT_CONFIG } from '@oz/server-kit';
import { Logger } from 'nestjs-pino';
import 'reflect-metadata';
import { readWorkerCommand } from './config/worker.config';
import { ControlPlaneConnection } from './connection/control-plane-connection';
import { MetricsPortError } from './metrics/metrics-endpoint';
import { DockerUnavailableError } from './tasks/docker-tasks';
import { TaskNetworkError } from './tasks/task-network';
import { WorkerModule } from './worker.module';

/** 69 (EX_UNAVAILABLE): the control plane stayed unreachable for OZ_RECONNECT_MAX_ATTEMPTS attempts. */
const EXIT_UNAVAILABLE = 69;

/**
 * `node main.js [flags]`, with the servers' exit codes where they apply: 78 a bad configuration, 69
 * the control plane stayed unreachable, 1 anything else (no Docker engine, no task network, the metrics port taken), 0 after `--help` or after SIGTERM/SIGINT once
 * every task was stopped and reported. (Not server-kit's runServer: the worker takes flags, not
 * commands, and runs until told to stop.)
 */
async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let command;
  try {
    command = readWorkerCommand(argv, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return EXIT_CONFIG;
  }
  if (command.help) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }

  // Listening before start-up, so a signal during it still stops the worker properly.
  const signalled = new Promise<number>((resolve) => {
    process.once('SIGTERM', () => resolve(0));
    process.once('SIGINT', () => resolve(0));
  });
  let app;
  try {
    // Bootstrapping checks Docker and starts connecting (TaskSupervisor.onApplicationBootstrap).
    app = await NestFactory.createApplicationContext(WorkerModule.with(command.config), { bufferLogs: true, abortOnError: false });
  } catch (error) {
    if (!(error instanceof DockerUnavailableError) && !(error instanceof TaskNetworkError) && !(error instanceof MetricsPortError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
  app.useLogger(app.get(Logger));
  const gaveUp = app.get(ControlPlaneConnection).gaveUp.then((error) => {
    process.stderr.write(`${error.message}\n`);
    return EXIT_UNAVAILABLE;
  });
  const exitCode = await Promise.race([signalled, gaveUp]);
  await app.close();
  return exitCode;
}

main(process.argv.slice(2), process.env).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`worker failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
