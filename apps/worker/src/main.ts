import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import 'reflect-metadata';
import { loadWorkerConfig, WorkerConfigError } from './config/worker.config';
import { WorkerModule } from './worker.module';
import { WorkerService } from './worker.service';

/** Exit codes: 78 bad configuration, 69 the control plane stayed unreachable, 1 anything else. */
async function main(): Promise<number> {
  let config;
  try {
    config = loadWorkerConfig(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof WorkerConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 78;
    }
    throw error;
  }
  const app = await NestFactory.createApplicationContext(WorkerModule.with(config), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  const worker = app.get(WorkerService);

  const exitCode = await new Promise<number>((resolve) => {
    const stop = (code: number) => {
      worker
        .stop()
        .catch(() => undefined)
        .finally(() => resolve(code));
    };
    process.once('SIGTERM', () => stop(0));
    process.once('SIGINT', () => stop(0));
    worker
      .start((fatal) => {
        process.stderr.write(`${fatal.message}\n`);
        stop(69);
      })
      .catch((error: Error) => {
        process.stderr.write(`${error.message}\n`);
        resolve(1);
      });
  });
  await app.close();
  return exitCode;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`${(error as Error).stack ?? error}\n`);
    process.exit(1);
  },
);
