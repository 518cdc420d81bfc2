import { queryOnce } from '@oz/testing';

/**
 * Records every state change of every run in a side table, by trigger, so a test can prove how many
 * times a run moved (say, that it succeeded exactly once) whichever process moved it.
 */
export async function auditRunTransitions(databaseUrl: string): Promise<(runId: string) => Promise<Array<{ from: string; to: string }>>> {
  await queryOnce(
    databaseUrl,
    `CREATE TABLE IF NOT EXISTS run_transitions (run_id uuid, from_state text, to_state text, at timestamptz DEFAULT clock_timestamp());
     CREATE OR REPLACE FUNCTION audit_run_transition() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       IF OLD.state IS DISTINCT FROM NEW.state THEN
         INSERT INTO run_transitions (run_id, from_state, to_state) VALUES (NEW.id, OLD.state, NEW.state);
       END IF;
       RETURN NULL;
     END $$;
     DROP TRIGGER IF EXISTS runs_audit_transitions ON runs;
     CREATE TRIGGER runs_audit_transitions AFTER UPDATE ON runs FOR EACH ROW EXECUTE FUNCTION audit_run_transition();`,
  );
  return async (runId) => {
    const rows = await queryOnce<{ from_state: string; to_state: string }>(
      databaseUrl,
      `SELECT from_state, to_state FROM run_transitions WHERE run_id = '${runId.replace(/[^0-9a-f-]/g, '')}' ORDER BY at`,
    );
    return rows.map((row) => ({ from: row.from_state, to: row.to_state }));
  };
}
