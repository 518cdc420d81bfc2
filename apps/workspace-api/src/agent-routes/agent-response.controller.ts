import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses, ApiException } from '@oz/server-kit';
import { type AgentCaller, AgentKeyRoute, CurrentAgentCaller } from '../common/auth';
import { notFound } from '../common/not-found';
import { InvocationService } from '../invocation/invocation.service';
import { AgentResponseDto, AgentResponseResultDto } from './dto/agent-response.dto';

const MAX_RESPONSE_CHARS = 500_000;

/**
 * The callback through which agents running outside the workspace deliver a run's reply. Like every
 * internal agent route (also `agent/tasks` in tasks/, `agent/notifications` in notifications/,
 * `agent/messages` in messages/), it needs `X-Agent-Key` = AGENT_API_KEY, or a run's room callback
 * token, which delivers that run's reply only; a session cookie does not open it. The key is one
 * server-wide secret, so every id sent is still checked.
 */
@ApiTags('internal agent routes')
@AgentKeyRoute()
@Controller('agent-response')
export class AgentResponseController {
  constructor(private readonly invocation: InvocationService) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({ operationId: 'agentResponse', summary: "Deliver an agent run's reply from outside; its @mentions invoke teammates one level deeper" })
  @ApiOkResponse({ type: AgentResponseResultDto })
  @ApiErrorResponses(400, 404, 409)
  async deliver(@CurrentAgentCaller() caller: AgentCaller, @Body() body: AgentResponseDto): Promise<AgentResponseResultDto> {
    const runId = body.taskId ?? body.task_id ?? (caller.kind === 'run' ? caller.runId : undefined);
    const raw = body.response ?? body.message;
    if (!runId) throw ApiException.badRequest('taskId (or task_id) is required', [{ field: 'taskId', message: 'taskId (or task_id) is required' }]);
    // A room callback token delivers its own run's reply; any other run reads as one that does not exist.
    if (caller.kind === 'run' && runId !== caller.runId) throw notFound('Run', runId);
    if (raw === undefined || raw === null) {
      throw ApiException.badRequest('response (or message) is required', [{ field: 'response', message: 'response (or message) is required' }]);
    }
    const text = typeof raw === 'string' ? raw : JSON.stringify(raw);
    if (text.length > MAX_RESPONSE_CHARS) throw ApiException.badRequest(`response must be at most ${MAX_RESPONSE_CHARS} characters`);
    return { success: true, ...(await this.invocation.deliverReply(runId, text)) };
  }
}
