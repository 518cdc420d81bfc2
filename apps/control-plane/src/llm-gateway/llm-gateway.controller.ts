import { applyDecorators, Controller, Get, HttpCode, Param, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { isValidModelId } from '@oz/contract';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TaskRoute } from '../common/auth/auth.decorators';
import { CurrentTask, TaskTokenGuard, type TaskCaller } from '../tasks/task-auth';
import { GatewayError, gatewayErrorFilter } from './gateway-error';
import { LlmGatewayService } from './llm-gateway.service';
import type { ClientCall, WireFormat } from './wire-formats';

const ERROR_SCHEMAS: Record<'anthropic' | 'openai' | 'gemini', Record<string, unknown>> = {
  anthropic: {
    type: 'object',
    properties: { type: { type: 'string', enum: ['error'] }, error: { type: 'object', properties: { type: { type: 'string' }, message: { type: 'string' } } } },
  },
  openai: {
    type: 'object',
    properties: { error: { type: 'object', properties: { message: { type: 'string' }, type: { type: 'string' }, param: { nullable: true }, code: { type: 'string', nullable: true } } } },
  },
  gemini: {
    type: 'object',
    properties: { error: { type: 'object', properties: { code: { type: 'integer' }, message: { type: 'string' }, status: { type: 'string' } } } },
  },
};

/** A pass-through route: its body and answer are the provider format's own; its errors too. */
function GatewayRoute(family: keyof typeof ERROR_SCHEMAS, operationId: string, summary: string, statuses: number[]) {
  return applyDecorators(
    ApiOperation({ operationId, summary }),
    ApiProduces('application/json', 'text/event-stream'),
    ApiOkResponse({
      description: 'The provider’s answer as it gave it: JSON, or (streamed) its server-sent events, passed on one by one',
      schema: { type: 'object', additionalProperties: true },
    }),
    ...[401, 403, ...statuses].map((status) =>
      ApiResponse({ status, description: `An error in the ${family} error format`, schema: ERROR_SCHEMAS[family] }),
    ),
  );
}

const ROUTE_FAILURES = [400, 404, 413, 429, 502];
const ANY_OBJECT = { schema: { type: 'object', additionalProperties: true } };

/** The client's JSON body: an object, or a 400 in its own format. */
function bodyOf(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new GatewayError(400, 'The request body must be a JSON object');
  return body as Record<string, unknown>;
}

/** The model a client names: what a run's model_id may be, since it picks a provider by the same rules. */
function modelOf(value: unknown): string {
  if (typeof value !== 'string' || !value) throw new GatewayError(400, 'model: a model id is required');
  if (!isValidModelId(value)) throw new GatewayError(400, 'model: must start with a letter or digit and hold only letters, digits and . _ : / - (at most 200)');
  return value;
}

function queryOf(request: FastifyRequest, names: string[]): Record<string, string> {
  const query = (request.query ?? {}) as Record<string, unknown>;
  return Object.fromEntries(names.flatMap((name) => (typeof query[name] === 'string' ? [[name, query[name] as string]] : [])));
}

function jsonCall(format: WireFormat, request: FastifyRequest, query: string[] = []): ClientCall {
  const body = bodyOf(request);
  return { format, model: modelOf(body['model']), stream: body['stream'] === true, body, query: queryOf(request, query), headers: request.headers };
}

/**
 * Anthropic Messages for Claude Code (`ANTHROPIC_BASE_URL={api}/llm/anthropic`): streamed, tools and
 * every extra field and beta header passed through to an `anthropic` provider.
 */
@ApiTags('llm-gateway')
@ApiBearerAuth()
@TaskRoute()
@UseGuards(TaskTokenGuard)
@UseFilters(gatewayErrorFilter('anthropic_messages'))
@Controller('llm/anthropic')
export class AnthropicGatewayController {
  constructor(private readonly gateway: LlmGatewayService) {}

  @Post('v1/messages')
  @HttpCode(200)
  @ApiBody(ANY_OBJECT)
  @GatewayRoute('anthropic', 'llmAnthropicMessages', 'Anthropic Messages (x-api-key or Bearer: the run’s task token), passed through to an anthropic provider', ROUTE_FAILURES)
  messages(@CurrentTask() task: TaskCaller, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.gateway.serve(task, jsonCall('anthropic_messages', request, ['beta']), request, reply);
  }
}

/**
 * OpenAI chat completions and the Responses API (Codex: a `model_providers` entry with
 * `base_url = {api}/llm/openai`, `wire_api = "responses"`), passed through to `openai_compatible`
 * providers; and the models a run may ask for.
 */
@ApiTags('llm-gateway')
@ApiBearerAuth()
@TaskRoute()
@UseGuards(TaskTokenGuard)
@UseFilters(gatewayErrorFilter('openai_chat'))
@Controller('llm/openai')
export class OpenAiGatewayController {
  constructor(private readonly gateway: LlmGatewayService) {}

  @Post('chat/completions')
  @HttpCode(200)
  @ApiBody(ANY_OBJECT)
  @GatewayRoute('openai', 'llmOpenAiChatCompletions', 'OpenAI chat completions (Bearer: the run’s task token), passed through to an openai_compatible provider', ROUTE_FAILURES)
  chat(@CurrentTask() task: TaskCaller, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.gateway.serve(task, jsonCall('openai_chat', request), request, reply);
  }

  @Post('responses')
  @HttpCode(200)
  @ApiBody(ANY_OBJECT)
  @GatewayRoute('openai', 'llmOpenAiResponses', 'OpenAI Responses API (Bearer: the run’s task token), passed through to {base}/responses of an openai_compatible provider', ROUTE_FAILURES)
  responses(@CurrentTask() task: TaskCaller, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.gateway.serve(task, jsonCall('openai_responses', request), request, reply);
  }

  @Get('models')
  @ApiOperation({ operationId: 'llmOpenAiModels', summary: 'Model ids a task may send: the key of each openai_compatible provider (it routes to that provider)' })
  @ApiOkResponse({
    description: 'OpenAI’s model list',
    schema: {
      type: 'object',
      properties: {
        object: { type: 'string', enum: ['list'] },
        data: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, object: { type: 'string' }, created: { type: 'integer' }, owned_by: { type: 'string' } } } },
      },
    },
  })
  @ApiResponse({ status: 401, description: 'An error in the openai error format', schema: ERROR_SCHEMAS.openai })
  @ApiResponse({ status: 403, description: 'An error in the openai error format', schema: ERROR_SCHEMAS.openai })
  models(): { object: 'list'; data: Array<{ id: string; object: 'model'; created: number; owned_by: string }> } {
    return { object: 'list', data: this.gateway.openAiModels().map((id) => ({ id, object: 'model', created: 0, owned_by: 'oz' })) };
  }
}

const GEMINI_METHODS = ['generateContent', 'streamGenerateContent'] as const;

/**
 * Gemini's generateContent for Gemini CLI (`GOOGLE_GEMINI_BASE_URL={api}/llm/gemini`), passed through
 * to `gemini` providers: `POST /v1beta/models/{model}:generateContent` and `:streamGenerateContent`.
 */
@ApiTags('llm-gateway')
@ApiBearerAuth()
@TaskRoute()
@UseGuards(TaskTokenGuard)
@UseFilters(gatewayErrorFilter('gemini'))
@Controller('llm/gemini/v1beta/models')
export class GeminiGatewayController {
  constructor(private readonly gateway: LlmGatewayService) {}

  @Post(':target')
  @HttpCode(200)
  @ApiBody(ANY_OBJECT)
  @GatewayRoute('gemini', 'llmGeminiGenerateContent', '`{model}:generateContent` or `{model}:streamGenerateContent` (x-goog-api-key: the run’s task token), passed through to a gemini provider', ROUTE_FAILURES)
  generate(@CurrentTask() task: TaskCaller, @Param('target') target: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const colon = target.lastIndexOf(':');
    const method = GEMINI_METHODS.find((name) => name === target.slice(colon + 1));
    if (colon < 0 || !method) throw new GatewayError(404, `${target.slice(colon + 1) || target} is not a method the gateway serves (generateContent, streamGenerateContent)`);
    const body = bodyOf(request);
    const call: ClientCall = {
      format: 'gemini',
      model: modelOf(target.slice(0, colon)),
      stream: method === 'streamGenerateContent',
      method,
      body,
      query: queryOf(request, ['alt']),
      headers: request.headers,
    };
    return this.gateway.serve(task, call, request, reply);
  }
}
