import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import { emptyToUndefined, toBoolean, toInt } from './env-parsing';
import { describeVariable } from './variable-description';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

/**
 * The variables every Oz server reads, declared once: each app's env class extends this one and
 * changes defaults by assigning them (`PORT = 3000`). They come first in each app's README table.
 */
export class ServerEnv {
  @describeVariable('PostgreSQL connection URL. Required (`npm start` provides an embedded one).', { required: true, secret: true })
  @Transform(emptyToUndefined)
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// URL' })
  @IsString({ message: 'DATABASE_URL is required (postgres://user:password@host:5432/database)' })
  DATABASE_URL!: string;

  // At least 2: the control plane's schedule firing holds one connection while it works.
  @describeVariable('Connections in the database pool of each replica (at least 2).')
  @Transform(toInt)
  @Max(200)
  @Min(2)
  @IsInt()
  OZ_DB_POOL_SIZE = 10;

  @describeVariable('Apply pending database migrations at start-up (under a lock, so replicas may start together).')
  @Transform(toBoolean)
  @IsBoolean()
  OZ_MIGRATE_ON_START = true;

  @describeVariable('HTTP port.')
  @Transform(toInt)
  @Max(65535)
  @Min(0)
  @IsInt({ message: 'PORT must be an integer number' })
  PORT = 8080;

  @describeVariable('Address the HTTP server binds to.')
  @IsString()
  HOST = '0.0.0.0';

  @describeVariable('Log level: trace, debug, info, warn, error or fatal.')
  @IsIn(LOG_LEVELS)
  OZ_LOG_LEVEL = 'info';

  @describeVariable('Origins allowed by CORS: `*` or a comma-separated list. Unset: CORS off.')
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  OZ_CORS_ORIGIN?: string;

  @describeVariable('Largest accepted request body, in bytes.')
  @Transform(toInt)
  @Min(1024)
  @IsInt()
  OZ_MAX_BODY_BYTES = 10 * 1024 * 1024;

  @describeVariable('Bearer token Prometheus must send to `GET /metrics` (`Authorization: Bearer …`), 16+ characters. Unset: /metrics answers anyone who reaches the port.', { secret: true })
  @Transform(emptyToUndefined)
  @IsOptional()
  @MinLength(16, { message: 'OZ_METRICS_TOKEN must be at least 16 characters' })
  @IsString()
  OZ_METRICS_TOKEN?: string;
}
