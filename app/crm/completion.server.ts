import { runProgram } from "~/db/native-writer.mjs";
import type { Database } from "~/db/client";
import { asSqlTx } from "~/db/sql-tx";
import { apiError } from "~/app/api/errors.server";
import { ApiFailure } from "~/app/api/body.server";
import { markJobComplete, ReleaseStateError } from "~/app/lending/release.server";
import type { CrmCaller } from "./guard.server";
import {
  idempotencyLookupStep,
  idempotencyStoreStep,
  replayOrConflict,
  requestHash,
  type StoredResponse,
} from "./idempotency.server";
import { merchantScope } from "./merchant-scope.server";
import type { completionResponse } from "./schemas";
import type { z } from "zod";

/**
 * POST /api/v1/crm/applications/{id}/complete (docs/product/merchants-and-money.md, "Funding
 * modes"; ADR 050): the merchant says the job is done. The borrower gets the release link by
 * text and e-mail. Marking it again answers the same and sends nothing; an `Idempotency-Key`
 * replays the first answer (the same key for another application is a conflict).
 */
export async function completeForCaller(
  database: Database,
  caller: CrmCaller,
  applicationId: string,
  key: string | null,
): Promise<StoredResponse & { replayed: boolean }> {
  const scope = merchantScope(caller.merchant.id);
  const hash = requestHash({ complete: applicationId });
  return database.write(async (tx) => {
    if (key) {
      const found = await runProgram(asSqlTx(tx), {
        steps: [idempotencyLookupStep(caller.merchant.id, key)],
      });
      if (found.kind === "returned") {
        return replayOrConflict(
          found.row,
          hash,
          "This Idempotency-Key was already used for another request",
        );
      }
    }
    const row = await scope.application(tx, applicationId);
    if (!row) throw new ApiFailure(apiError("not_found", `No application ${applicationId}`));
    const completion = await markJobComplete(tx, {
      applicationId,
      actor: {
        actorType: "api_key",
        actorId: caller.keyId,
        ip: caller.ip,
        userAgent: caller.userAgent,
      },
    }).catch((error: unknown) => {
      if (error instanceof ReleaseStateError)
        throw new ApiFailure(apiError(error.code, error.message));
      throw error;
    });
    const response: StoredResponse = {
      status: 200,
      body: JSON.stringify({
        application_id: applicationId,
        status: "awaiting_completion",
        completed_at: (completion.loan.completionMarkedAt ?? new Date()).toISOString(),
        auto_release_at: completion.autoReleaseAt.toISOString(),
        release_link_sent: completion.kind === "marked",
      } satisfies z.input<typeof completionResponse>),
    };
    if (key) {
      await runProgram(asSqlTx(tx), {
        steps: [idempotencyStoreStep(caller.merchant.id, key, hash, response)],
      });
    }
    return { ...response, replayed: false };
  });
}
