/**
 * Every PostgreSQL LISTEN/NOTIFY channel of the control plane. The runs table's trigger
 * (`oz_notify_run_changes`, see the migrations) sends them with the run id as payload; listeners
 * subscribe through PgNotifications. A name is also in the database's trigger: renaming one takes a
 * new migration that replaces the trigger, never an edit of this file alone.
 */

/** A provider run was created QUEUED: executors wake up. */
export const RUN_QUEUED_CHANNEL = 'oz_run_queued';

/** A worker run became PENDING (created, or handed back after a rejection, a lapsed claim or a lost worker): dispatchers wake up. */
export const RUN_PENDING_CHANNEL = 'oz_run_pending';

/** A run was cancelled: its executor aborts the provider call, its worker is told to stop the task. */
export const RUN_CANCELLED_CHANNEL = 'oz_run_cancelled';

/** Log lines were added to a run, or it ended: live log streams of that run wake up (on every replica). */
export const RUN_ACTIVITY_CHANNEL = 'oz_run_activity';
