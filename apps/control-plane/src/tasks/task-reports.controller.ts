import { applyDecorators, Body, Controller, HttpCode, Param, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { MAX_TASK_LOG_BATCH_BYTES, MAX_TASK_OUTPUT_BYTES } from '@oz/contract';
import { ApiErrorResponses, ApiException } from '@oz/server-kit';
import type { FastifyRequest } from 'fastify';
import { TaskRoute } from '../common/auth/auth.decorators';
import { API_PREFIX } from '../openapi/openapi-info';
import { CurrentTask, TaskTokenGuard, type TaskCaller } from './task-auth';
import { TaskFinishedDto } from './dto/task-finished.dto';
import { TaskReportsService } from './task-reports.service';

/** The text/plain routes and their largest bodies, for the app's text parser (createHttpApp's textBodyRoutes). */
export const TASK_TEXT_BODY_ROUTES: Readonly<Record<string, number>> = {
  [`/${API_PREFIX}/agent/runs/:runId/task/logs`]: MAX_TASK_LOG_BATCH_BYTES,
  [`/${API_PREFIX}/agent/runs/:runId/task/output`]: MAX_TASK_OUTPUT_BYTES,
};

function TextReport(summary: string, operationId: string, maxBytes: number) {
  return applyDecorators(
    HttpCode(204),
    ApiOperation({ operationId, summary }),
    ApiConsumes('text/plain'),
    ApiBody({ schema: { type: 'string', maxLength: maxBytes } }),
    ApiNoContentResponse({ description: 'Taken' }),
    ApiErrorResponses(403, 413, 415),
  );
}

/** The body of a text route: a string (absent when it was empty); a JSON body is not what these routes take. */
function textOf(request: FastifyRequest): string {
  if (request.body === undefined || request.body === null) return '';
  if (typeof request.body !== 'string') throw new ApiException(415, 'unsupported_media_type', 'Send the report as text/plain; charset=utf-8');
  return request.body;
}

/**
 * The task's own reports, authorised by its run's task token (OZ_TASK_TOKEN) as `Authorization:
 * Bearer`, for its own run only, while a worker holds the run.
 */
@ApiTags('tasks')
@ApiBearerAuth()
@ApiErrorResponses(401)
@TaskRoute()
@UseGuards(TaskTokenGuard)
@Controller('agent/runs/:runId/task')
export class TaskReportsController {
  constructor(private readonly reports: TaskReportsService) {}

  @Post('logs')
  @TextReport('Log lines of the task (text/plain, separated by \\n, up to 1 MiB a batch), with its run’s task token', 'reportTaskLogs', MAX_TASK_LOG_BATCH_BYTES)
  logs(@CurrentTask() task: TaskCaller, @Param('runId') runId: string, @Req() request: FastifyRequest): Promise<void> {
    return this.reports.logLines(task, runId, textOf(request));
  }

  @Post('output')
  @TextReport('The task’s output (text/plain, up to 10 MiB): the run’s output', 'reportTaskOutput', MAX_TASK_OUTPUT_BYTES)
  output(@CurrentTask() task: TaskCaller, @Param('runId') runId: string, @Req() request: FastifyRequest): Promise<void> {
    return this.reports.output(task, runId, textOf(request));
  }

  @Post('finished')
  @HttpCode(204)
  @ApiOperation({ operationId: 'reportTaskFinished', summary: 'The task ended with this exit code: ends the run (0 → SUCCEEDED, else FAILED) and revokes the token' })
  @ApiNoContentResponse({ description: 'Taken (the run ended, unless its worker ended it first)' })
  @ApiErrorResponses(400, 403)
  finished(@CurrentTask() task: TaskCaller, @Param('runId') runId: string, @Body() body: TaskFinishedDto): Promise<void> {
    return this.reports.finished(task, runId, body.exit_code);
  }
}
