import type { ArtifactItem, RunSource, RunState } from '@oz/contract';
import { APIError } from 'oz-agent-sdk';
import type { DataSource } from 'typeorm';
import { principalFor } from '../common/auth/principal';

/** The tenant key and creator uid the control plane derives from a bearer token. */
export function ownerOf(token: string): { tenantKey: string; creatorUid: string } {
  const { tenantKey, creatorUid } = principalFor(token, false);
  return { tenantKey, creatorUid };
}

export interface SeedRunsOptions {
  /** Owner of the runs (a tenant token); `creatorUid` overrides the creator shown on the runs. */
  token: string;
  count: number;
  creatorUid?: string;
  /** created_at of the newest run; run i is `i × stepMs` older. Defaults to one hour ago, 1 s apart. */
  newest?: Date;
  stepMs?: number;
  /** Runs share created_at in groups of this size, to exercise the id tie-break of the list order. */
  sameTimeGroup?: number;
  /** Run i is titled `${title} ${i}`. */
  title?: string;
  prompt?: string;
  state?: RunState;
  source?: RunSource;
  environmentId?: string | null;
  modelId?: string | null;
  configName?: string | null;
  skillSpec?: string | null;
  scheduleId?: string | null;
  artifacts?: ArtifactItem[];
  /** updated_at = created_at + this; defaults to 0. */
  updatedAfterMs?: number;
}

export interface SeededRun {
  id: string;
  createdAt: Date;
}

/**
 * Inserts `count` runs with one INSERT … SELECT generate_series; returns them newest first, in the
 * order GET /agent/runs lists them (created_at DESC, id DESC).
 */
export async function seedRuns(dataSource: DataSource, options: SeedRunsOptions): Promise<SeededRun[]> {
  const owner = ownerOf(options.token);
  const rows: { id: string; created_at: Date }[] = await dataSource.query(
    `INSERT INTO runs (id, tenant_key, creator_uid, title, prompt, state, source, environment_id, model_id,
                       config_name, skill_spec, schedule_id, artifacts, agent_config, created_at, updated_at)
     SELECT gen_random_uuid(), $1, $2, $3 || ' ' || i, $4, $5, $6, $7::uuid, $8::text, $9::text, $10::text, $11::uuid,
            $12::jsonb,
            jsonb_strip_nulls(jsonb_build_object('environment_id', $7::uuid, 'model_id', $8::text, 'name', $9::text,
                                                 'skill_spec', $10::text)),
            t.created_at, t.created_at + $15::int * interval '1 millisecond'
     FROM generate_series(0, $13::int - 1) AS i
     CROSS JOIN LATERAL (
       SELECT $14::timestamptz - ((i / $16::int) * $17::int) * interval '1 millisecond' AS created_at
     ) AS t
     RETURNING id, created_at`,
    [
      owner.tenantKey,
      options.creatorUid ?? owner.creatorUid,
      options.title ?? 'seeded run',
      options.prompt ?? 'seeded prompt',
      options.state ?? 'QUEUED',
      options.source ?? 'API',
      options.environmentId ?? null,
      options.modelId ?? null,
      options.configName ?? null,
      options.skillSpec ?? null,
      options.scheduleId ?? null,
      JSON.stringify(options.artifacts ?? []),
      options.count,
      options.newest ?? new Date(Date.now() - 3_600_000),
      options.updatedAfterMs ?? 0,
      options.sameTimeGroup ?? 1,
      options.stepMs ?? 1_000,
    ],
  );
  return rows
    .map((row) => ({ id: row.id, createdAt: new Date(row.created_at) }))
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

/** The whole row as JSON, to check that an operation left it byte-for-byte unchanged. */
export async function rowSnapshot(dataSource: DataSource, runId: string): Promise<Record<string, unknown>> {
  const [row] = await dataSource.query(`SELECT to_jsonb(runs) AS row FROM runs WHERE id = $1`, [runId]);
  return row?.row;
}

/** Creates an environment through the API (there is no SDK method for it) and returns its id. */
export async function createEnvironment(
  request: (path: string, init?: RequestInit & { token?: string | null }) => Promise<Response>,
  token: string,
  name = 'env',
): Promise<string> {
  const response = await request('/api/v1/environments', {
    token,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, docker_image: 'ubuntu:22.04' }),
  });
  if (response.status !== 201) throw new Error(`environment not created: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
}

/** The SDK error a request failed with; fails the test if the request succeeded. */
export async function sdkError(promise: Promise<unknown>): Promise<APIError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof APIError) return error;
    throw error;
  }
  throw new Error('expected the request to fail, but it succeeded');
}
