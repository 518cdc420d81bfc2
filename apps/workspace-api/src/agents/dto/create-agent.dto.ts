import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AGENT_HARNESSES, AGENT_ICONS, type AgentInput } from '@oz/workspace-contract';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsObject, IsOptional, IsString, IsUrl, Matches, MaxLength, MinLength } from 'class-validator';
import { blankToNull, trimmed } from '../../common/transforms';
import { stringRequired } from '../../common/validation-messages';

export class CreateAgentDto implements AgentInput {
  @ApiProperty({ example: 'Rex', maxLength: 64, description: 'Unique among your agents (case-insensitive); mentioned as @Rex. Letters, digits, spaces, . _ -' })
  @Transform(trimmed)
  @Matches(/^[\p{L}\p{N}][\p{L}\p{N} ._-]*$/u, { message: 'name may hold letters, digits, spaces, dots, underscores and hyphens, starting with a letter or digit' })
  @MaxLength(64)
  @MinLength(1, { message: 'name must not be empty' })
  @IsString(stringRequired('name'))
  name!: string;

  @ApiPropertyOptional({ example: '#3B82F6', default: '#3B82F6' })
  @IsOptional()
  @Matches(/^#[0-9a-fA-F]{6}$/, { message: 'color must be a hex colour like #3B82F6' })
  color?: string;

  @ApiPropertyOptional({ enum: AGENT_ICONS, default: 'robot' })
  @IsOptional()
  @IsIn(AGENT_ICONS, { message: `icon must be one of: ${AGENT_ICONS.join(', ')}` })
  icon?: string;

  @ApiPropertyOptional({ enum: AGENT_HARNESSES, default: 'claude-code' })
  @IsOptional()
  @IsIn(AGENT_HARNESSES, { message: `harness must be one of: ${AGENT_HARNESSES.join(', ')}` })
  harness?: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 200, description: 'Model or `<provider>/<model>`; empty: the harness default.' })
  @Transform(blankToNull)
  @IsOptional()
  @MaxLength(200)
  @IsString()
  model?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 100, description: 'Control-plane environment its runs use in remote mode (then they run in a worker container).' })
  @Transform(blankToNull)
  @IsOptional()
  @MaxLength(100)
  @IsString()
  environment_id?: string | null;

  @ApiPropertyOptional({ maxLength: 20_000 })
  @IsOptional()
  @MaxLength(20_000)
  @IsString()
  system_prompt?: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 2000, example: 'https://github.com/acme/app' })
  @Transform(blankToNull)
  @IsOptional()
  @MaxLength(2000)
  @IsUrl({ require_protocol: true, protocols: ['http', 'https', 'ssh', 'git', 'file'], require_tld: false }, { message: 'repo_url must be a URL' })
  repo_url?: string | null;

  @ApiPropertyOptional({ type: [String], maxItems: 50 })
  @IsOptional()
  @MaxLength(100, { each: true })
  @IsString({ each: true })
  @ArrayMaxSize(50)
  @IsArray()
  skills?: string[];

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'MCP servers by name, as the harness expects them (e.g. `{ "github": { "url": "…" } }`).',
  })
  @IsOptional()
  @IsObject({ message: 'mcp_servers must be an object of server name → settings' })
  mcp_servers?: Record<string, unknown>;
}
