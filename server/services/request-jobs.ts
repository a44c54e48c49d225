import { sql } from "drizzle-orm";
import type { Executor } from "~/db/client";

/**
 * Queues provisioning of an approved request, inside the transaction that approved it. The
 * job key makes a retried transition enqueue nothing twice; the job runner (worker task
 * `provision_request`) consumes it.
 */
export async function enqueueProvisioning(tx: Executor, requestId: string): Promise<void> {
  await tx.execute(
    sql`select graphile_worker.add_job('provision_request', json_build_object('requestId', ${requestId}::text), job_key => ${`provision:${requestId}`}, job_key_mode => 'preserve_run_at', max_attempts => 5)`,
  );
}
