import type { PullRequestArtifact } from '@oz/contract';

/** github.com/<owner>/<repo>/pull/<number>, with nothing after the number but a boundary. */
const PULL_REQUEST_URL = /https:\/\/github\.com\/([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+)\/pull\/(\d+)(?![\d/A-Za-z])/g;
/** "branch: fix/login" or "branch `fix/login`" on the same line as the URL, as agents tend to write it. */
const BRANCH_ON_LINE = /branch[:\s]+[`'"]?([A-Za-z0-9._/-]+)[`'"]?/i;

/** Every distinct GitHub pull-request URL in `text`, as PULL_REQUEST artifacts (branch when the line names one). */
export function pullRequestArtifacts(text: string, now = new Date()): PullRequestArtifact[] {
  const found = new Map<string, PullRequestArtifact>();
  for (const line of text.split('\n')) {
    for (const match of line.matchAll(PULL_REQUEST_URL)) {
      const url = `https://github.com/${match[1]}/${match[2]}/pull/${match[3]}`;
      if (found.has(url)) continue;
      const branch = BRANCH_ON_LINE.exec(line.replace(match[0], ''))?.[1] ?? '';
      found.set(url, { artifact_type: 'PULL_REQUEST', created_at: now.toISOString(), data: { url, branch } });
    }
  }
  return [...found.values()];
}
