import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { RunItem, RunListResponse } from '@oz/contract';
import { PeriodicTask } from '@oz/server-kit';
import type { RunLogPage } from '@oz/workspace-contract';
import type OzAPI from 'oz-agent-sdk';
import { WORKSPACE_CONFIG, type WorkspaceConfig } from '../../config/workspace.config';
import { UserChannels } from '../../events/user-channels';
import { UserEvents } from '../../events/user-events';
import { ControlPlaneAccess } from '../control-plane-access';
import { ControlPlaneAdmin } from '../control-plane-admin';
import { FeedLeases } from './feed-leases';
import { LOG_PAGE, RunFeed } from './run-feed';

/** Pages of changed runs read per user and round (100 each): a burst beyond it arrives over the next rounds. */
const MAX_PAGES = 5;
/** Users fed at once, so a slow control plane does not stretch a round by the number of users. */
const CONCURRENCY = 4;
/** The admin's workers view changes rarely: asked this often. */
const WORKERS_EVERY_MS = 3_000;
/** A user's feed failing again within this long is not logged again. */
const ERROR_LOG_EVERY_MS = 60_000;

interface UserFeed {
  runs: RunFeed;
  /** The workers answer last sent (admin), as JSON, and when it was asked. */
  workers: string | null;
  workersAskedAt: number;
  errorLoggedAt: number;
}

/**
 * Feeds the users' own channels from the control plane, which pushes nothing: every
 * OZ_CP_POLL_INTERVAL_MS, for each user whose channel is open on this replica (and whose feed this
 * replica holds, see FeedLeases), it asks for the runs updated since the last round (the SDK's
 * `updated_after`), sends each change as a `run` event and the output it gained as `run_output`,
 * reads new log lines of running worker runs (`run_log`), and for the instance admin sends the
 * workers' presence when it changed (`workers`). Users without an open channel cost nothing.
 */
@Injectable()
export class ControlPlaneFeeds implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('control-plane');
  private readonly feeds = new Map<string, UserFeed>();
  private readonly task: PeriodicTask;

  constructor(
    @Inject(WORKSPACE_CONFIG) private readonly config: WorkspaceConfig,
    registry: SchedulerRegistry,
    private readonly channels: UserChannels,
    private readonly access: ControlPlaneAccess,
    private readonly admin: ControlPlaneAdmin,
    private readonly events: UserEvents,
    private readonly leases: FeedLeases,
  ) {
    this.task = new PeriodicTask(registry, 'control-plane-feeds', config.controlPlaneViews.pollIntervalMs, () => this.round());
  }

  onApplicationBootstrap(): void {
    if (this.config.runner.mode === 'remote') this.task.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.task.stop();
    await Promise.all([...this.feeds.keys()].map((userId) => this.leases.release(userId).catch(() => undefined)));
  }

  /** One round for every user with an open channel here; a user gone from this replica gives their feed up. */
  async round(): Promise<void> {
    const users = this.channels.users();
    for (const userId of [...this.feeds.keys()]) {
      if (this.channels.has(userId)) continue;
      this.feeds.delete(userId);
      await this.leases.release(userId).catch((error) => this.logger.warn({ err: error, userId }, 'feeds.release_failed'));
    }
    for (let i = 0; i < users.length; i += CONCURRENCY) {
      await Promise.all(users.slice(i, i + CONCURRENCY).map((userId) => this.feed(userId)));
    }
  }

  private async feed(userId: string): Promise<void> {
    let state = this.feeds.get(userId);
    try {
      if (!(await this.leases.hold(userId))) {
        // Another replica feeds this user; it may hand back later, and then the position comes with it.
        this.feeds.delete(userId);
        return;
      }
      if (!state) {
        state = { runs: new RunFeed(await this.leases.position(userId)), workers: null, workersAskedAt: 0, errorLoggedAt: 0 };
        this.feeds.set(userId, state);
      }
      const feed = state;
      await this.access.as(userId, async (caller, client) => {
        const sdk = client.sdk(caller.token);
        for (const event of feed.runs.absorb(await changedRuns(sdk, feed.runs))) await this.events.emit(userId, event.type, event.data);
        for (const { runId, after } of feed.runs.logReads()) {
          const page = await client.json<RunLogPage>(caller.token, 'GET', `/agent/runs/${runId}/logs`, { query: { after, limit: LOG_PAGE } });
          const lines = feed.runs.absorbLogs(runId, page.lines);
          if (lines.length) await this.events.emit(userId, 'run_log', { run_id: runId, lines });
        }
        if (caller.admin && Date.now() - feed.workersAskedAt >= WORKERS_EVERY_MS) await this.feedWorkers(userId, feed);
      });
      if (feed.runs.position) await this.leases.savePosition(userId, feed.runs.position);
    } catch (error) {
      if (state && Date.now() - state.errorLoggedAt > ERROR_LOG_EVERY_MS) {
        state.errorLoggedAt = Date.now();
        this.logger.warn({ err: error, userId }, 'feeds.round_failed');
      }
    }
  }

  private async feedWorkers(userId: string, feed: UserFeed): Promise<void> {
    feed.workersAskedAt = Date.now();
    const workers = await this.admin.workers(userId);
    const json = JSON.stringify(workers);
    if (json === feed.workers) return;
    // The first answer is what the page just read: sent all the same, it costs one event.
    feed.workers = json;
    await this.events.emit(userId, 'workers', workers);
  }
}

/** Every run changed since the feed's position (all pages, up to MAX_PAGES). */
async function changedRuns(sdk: OzAPI, feed: RunFeed): Promise<RunItem[]> {
  const query = feed.query();
  const runs: RunItem[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const answer = (await sdk.agent.runs.list({ ...query, cursor } as Parameters<OzAPI['agent']['runs']['list']>[0])) as unknown as RunListResponse;
    runs.push(...answer.runs);
    // A fresh feed reads the newest page only: older runs are the page's to load.
    if (feed.fresh || !answer.page_info.has_next_page || !answer.page_info.next_cursor) break;
    cursor = answer.page_info.next_cursor;
  }
  return runs;
}
