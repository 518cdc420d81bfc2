import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { isTerminalRunState } from '@oz/contract';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { Principal } from '../common/auth/principal';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/control-plane.config';
import { RUN_ACTIVITY_CHANNEL } from '../database/channels';
import { PgNotifications } from '../database/pg-notifications';
import { RunsService } from '../runs/runs.service';
import { RunLogsRepository } from './run-logs.repository';
import { WorkerRunsRepository } from './worker-runs.repository';

/** Lines read per query while a stream catches up. */
const PAGE = 1000;
/** A comment this often keeps proxies from closing a quiet stream. */
const KEEP_ALIVE_MS = 15_000;

/**
 * `oz_run_activity` (new log lines of a run, or its end; sent by triggers, so whichever replica
 * wrote them), fanned out to the streams of this replica that follow that run.
 */
@Injectable()
export class RunActivity implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly followers = new Map<string, Set<() => void>>();
  private readonly unlisten: Array<() => void> = [];

  constructor(private readonly notifications: PgNotifications) {}

  async onApplicationBootstrap(): Promise<void> {
    this.unlisten.push(
      await this.notifications.listen(RUN_ACTIVITY_CHANNEL, (runId) => this.followers.get(runId)?.forEach((wake) => wake())),
      // Notifications sent while the listener was down are lost: everyone looks again.
      this.notifications.onReconnect(() => this.followers.forEach((wakes) => wakes.forEach((wake) => wake()))),
    );
  }

  beforeApplicationShutdown(): void {
    this.unlisten.forEach((stop) => stop());
  }

  follow(runId: string, wake: () => void): () => void {
    let wakes = this.followers.get(runId);
    if (!wakes) this.followers.set(runId, (wakes = new Set()));
    wakes.add(wake);
    return () => {
      wakes.delete(wake);
      if (!wakes.size) this.followers.delete(runId);
    };
  }
}

/**
 * A run's log, live: server-sent events, one `line` event per log line (`id:` the line's id, data
 * `{id, line, logged_at}`), from the line after `Last-Event-ID` (or `after`), then new lines as they
 * are stored (woken by RunActivity, with the dispatch poll as the safety net), and an `end` event
 * (`{state}`) once the run ended and its last lines were sent. Works on any replica: the lines and
 * the run's state are read from the database.
 */
@Injectable()
export class RunLogStreams implements BeforeApplicationShutdown {
  private readonly open = new Set<() => void>();
  private stopping = false;

  constructor(
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    private readonly runs: RunsService,
    private readonly workerRuns: WorkerRunsRepository,
    private readonly logs: RunLogsRepository,
    private readonly activity: RunActivity,
  ) {}

  /** Streams end when the replica stops (clients reconnect elsewhere with Last-Event-ID). */
  beforeApplicationShutdown(): void {
    this.stopping = true;
    this.open.forEach((stop) => stop());
  }

  async stream(principal: Principal, runId: string, after: number, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    await this.runs.get(principal, runId); // 404 unless the caller may see the run
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
      'x-request-id': request.id,
    });
    let woken = false;
    let wakeUp: (() => void) | undefined;
    const wake = () => {
      woken = true;
      wakeUp?.();
    };
    let closed = false;
    const close = () => {
      closed = true;
      wake();
    };
    res.once('close', close);
    this.open.add(close);
    const unfollow = this.activity.follow(runId, wake);
    const keepAlive = setInterval(() => void write(res, ': keep-alive\n\n'), KEEP_ALIVE_MS);
    let cursor = after;
    try {
      await write(res, 'retry: 2000\n\n');
      while (!closed && !this.stopping) {
        woken = false;
        // The state first: lines stored before the run ended are then all there to read.
        const where = (await this.workerRuns.whereabouts([runId]))[0];
        for (;;) {
          const lines = await this.logs.page(runId, cursor, PAGE);
          for (const line of lines) {
            const data = JSON.stringify({ id: line.id, line: line.line, logged_at: line.loggedAt.toISOString() });
            if (!(await write(res, `id: ${line.id}\nevent: line\ndata: ${data}\n\n`))) return;
            cursor = line.id;
          }
          if (lines.length < PAGE) break;
        }
        if (!where || isTerminalRunState(where.state)) {
          await write(res, `event: end\ndata: ${JSON.stringify({ state: where?.state ?? null })}\n\n`);
          return;
        }
        if (!woken) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, this.config.workers.pollIntervalMs);
            wakeUp = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wakeUp = undefined;
        }
      }
    } finally {
      clearInterval(keepAlive);
      unfollow();
      this.open.delete(close);
      res.off('close', close);
      if (!res.writableEnded) res.end();
    }
  }
}

/** Writes and waits while the client's socket is full; false once the client is gone. */
async function write(res: ServerResponse, text: string): Promise<boolean> {
  if (res.destroyed || res.writableEnded) return false;
  if (res.write(text)) return true;
  await new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
  return !res.destroyed;
}
