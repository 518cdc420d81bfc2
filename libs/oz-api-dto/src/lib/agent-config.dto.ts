import { ApiPropertyOptional } from '@nestjs/swagger';
import {
  HARNESS_TYPES,
  MAX_MODEL_ID_LENGTH,
  MAX_TASK_ENV_ENTRIES,
  MAX_TASK_ENV_VALUE_LENGTH,
  MODEL_ID_PATTERN,
  TASK_ENV_NAME_PATTERN,
  taskEnvProblem,
  type HarnessType,
  type McpServerConfig,
} from '@oz/contract';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  registerDecorator,
  ValidateNested,
} from 'class-validator';

const MODEL_ID_MESSAGE = 'must start with a letter or digit and hold only letters, digits and . _ : / - (no spaces)';

export class HarnessDto {
  @ApiPropertyOptional({ enum: HARNESS_TYPES })
  @IsIn(HARNESS_TYPES, { message: `harness.type must be one of ${HARNESS_TYPES.join(', ')}` })
  type!: HarnessType;

  // Given to the harness CLI of a worker task (OZ_MODEL_ID) instead of the run's model_id.
  @ApiPropertyOptional({
    maxLength: MAX_MODEL_ID_LENGTH,
    pattern: MODEL_ID_PATTERN.source,
    description: 'Extension: the model the harness CLI of a worker task is given, instead of model_id',
  })
  @IsOptional()
  @Matches(MODEL_ID_PATTERN, { message: `model_id ${MODEL_ID_MESSAGE}` })
  @MaxLength(MAX_MODEL_ID_LENGTH)
  @IsString()
  model_id?: string;
}

/** `config` of a run or `agent_config` of a schedule: the SDK's AmbientAgentConfig. */
export class AgentConfigDto {
  // The type check sits closest to each property: decorators run bottom-up and the pipe stops at a
  // property's first error, so `model_id: 7` says "must be a string", not "must be shorter than …".
  @ApiPropertyOptional() @IsOptional() @MaxLength(100_000) @IsString() base_prompt?: string;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() computer_use_enabled?: boolean;
  @ApiPropertyOptional() @IsOptional() @MaxLength(200) @MinLength(1) @IsString() environment_id?: string;
  @ApiPropertyOptional({ description: 'Map of name → {warp_id} | {command, args, env} | {url, headers}' })
  @IsOptional()
  @IsMcpServers()
  mcp_servers?: Record<string, McpServerConfig>;
  // A model id reaches command lines (CLI providers, harness CLIs): nothing an argument parser could take for an option.
  @ApiPropertyOptional({ maxLength: MAX_MODEL_ID_LENGTH, pattern: MODEL_ID_PATTERN.source })
  @IsOptional()
  @Matches(MODEL_ID_PATTERN, { message: `model_id ${MODEL_ID_MESSAGE}` })
  @MaxLength(MAX_MODEL_ID_LENGTH)
  @IsString()
  model_id?: string;
  @ApiPropertyOptional() @IsOptional() @MaxLength(200) @IsString() name?: string;
  @ApiPropertyOptional() @IsOptional() @MaxLength(500) @IsString() skill_spec?: string;
  @ApiPropertyOptional() @IsOptional() @MaxLength(200) @IsString() worker_host?: string;
  @ApiPropertyOptional({ type: HarnessDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => HarnessDto)
  harness?: HarnessDto;
  @ApiPropertyOptional({ minimum: 1, maximum: 60 })
  @IsOptional()
  @Max(60)
  @Min(1)
  @IsInt()
  idle_timeout_minutes?: number;
}

/** `config` of a run: the agent config plus what only a run carries. */
export class RunConfigDto extends AgentConfigDto {
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string', maxLength: MAX_TASK_ENV_VALUE_LENGTH },
    maxProperties: MAX_TASK_ENV_ENTRIES,
    description:
      `Extension, worker runs only: variables for the run's task container (names ${TASK_ENV_NAME_PATTERN.source}, single-line values), ` +
      'such as a workspace room\'s callback URL and token. Sealed at rest; every answer shows each value as "<redacted>".',
  })
  @IsOptional()
  @IsTaskEnv()
  task_env?: Record<string, string>;
}

function IsTaskEnv() {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isTaskEnv',
      target: object.constructor,
      propertyName,
      validator: {
        validate: (value: unknown) => taskEnvProblem(propertyName, value) === null,
        defaultMessage: (args) => taskEnvProblem(propertyName, args?.value)?.message ?? `${propertyName} is invalid`,
      },
    });
}

const MCP_KINDS = ['warp_id', 'command', 'url'] as const;

function mcpServerProblem(name: string, server: unknown): string | null {
  if (server === null || typeof server !== 'object' || Array.isArray(server)) return `mcp_servers.${name} must be an object`;
  const s = server as Record<string, unknown>;
  const kinds = MCP_KINDS.filter((k) => s[k] !== undefined);
  if (kinds.length !== 1) return `mcp_servers.${name} must have exactly one of warp_id, command or url`;
  if (kinds.some((k) => typeof s[k] !== 'string' || (s[k] as string).length === 0)) {
    return `mcp_servers.${name}.${kinds[0]} must be a non-empty string`;
  }
  if (s['args'] !== undefined && !(Array.isArray(s['args']) && s['args'].every((a) => typeof a === 'string'))) {
    return `mcp_servers.${name}.args must be an array of strings`;
  }
  for (const map of ['env', 'headers']) {
    const value = s[map];
    if (value === undefined) continue;
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.values(value).every((v) => typeof v === 'string')) {
      return `mcp_servers.${name}.${map} must be an object of strings`;
    }
  }
  return null;
}

function IsMcpServers() {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isMcpServers',
      target: object.constructor,
      propertyName,
      validator: {
        validate(value: unknown) {
          if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
          const entries = Object.entries(value);
          return entries.length <= 50 && entries.every(([name, server]) => mcpServerProblem(name, server) === null);
        },
        defaultMessage(args) {
          const value = args?.value;
          if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'mcp_servers must be an object';
          const entries = Object.entries(value as object);
          if (entries.length > 50) return 'mcp_servers may have at most 50 entries';
          return entries.map(([n, s]) => mcpServerProblem(n, s)).find(Boolean) ?? 'mcp_servers is invalid';
        },
      },
    });
}
