import type { AgentRun } from '../agent-runs/agent-run';
import type { AgentRunsService } from '../agent-runs/agent-runs.service';
import type { ReplyWriter } from '../agent-runs/reply-writer';
import { loadWorkspaceConfig } from '../config/workspace.config';
import { InvocationService } from './invocation.service';

const RUN_ID = '0b6f1a52-3c1d-4f7e-9a2b-1c2d3e4f5a6b';

/** The service with only the run lookups and the reply writer that `deliverReply` uses. */
function withRuns(find: AgentRunsService['find'], answer: ReplyWriter['answer']): InvocationService {
  const unused = {} as never;
  const config = loadWorkspaceConfig({ DATABASE_URL: 'postgres://unit@localhost/none' });
  return new InvocationService(config, unused, { find } as AgentRunsService, { answer } as ReplyWriter, unused, unused, unused, unused, unused, unused, unused);
}

describe('InvocationService.deliverReply (POST /api/agent-response)', () => {
  const run = { id: RUN_ID, state: 'INPROGRESS' } as AgentRun;

  it('is a duplicate when the run already ended as a success, a conflict when it ended otherwise', async () => {
    const ended = (state: AgentRun['state']) => withRuns(jest.fn().mockResolvedValueOnce(run).mockResolvedValueOnce({ ...run, state }), async () => false);
    await expect(ended('SUCCEEDED').deliverReply(RUN_ID, 'done')).resolves.toEqual({ run_id: RUN_ID, duplicate: true });
    await expect(ended('CANCELLED').deliverReply(RUN_ID, 'done')).rejects.toMatchObject({ status: 409 });
  });

  // Bug found in the refactor: the run re-read after losing the race was assumed to exist, so a reply
  // delivered while its room was being deleted answered 500 (a TypeError) instead of 404.
  it('answers 404 when the run disappeared (its room was deleted) while the reply was delivered', async () => {
    const service = withRuns(jest.fn().mockResolvedValueOnce(run).mockResolvedValueOnce(null), async () => false);
    await expect(service.deliverReply(RUN_ID, 'done')).rejects.toMatchObject({ status: 404, code: 'resource_not_found' });
  });
});
