import { and, eq, inArray } from "drizzle-orm";
import type { BankSummary } from "~/adapters/plaid/types";
import { isPartnerError } from "~/adapters/shared/errors";
import type { Database } from "~/db/client";
import { applications } from "~/db/schema/index";
import { enqueue } from "~/jobs/enqueue.server";
import { refreshBankSummaryJob } from "~/jobs/handlers/refresh-bank-summary.definition";
import { audit } from "~/app/audit/audit.server";
import { recordWebhookEvent } from "~/app/messaging/webhooks.server";
import { logger } from "~/app/observability/logger.server";
import { getCipher } from "~/app/security/encryption.server";
import { sha256Hex } from "~/app/security/hash.server";
import { getBankLink } from "./partners.server";

/**
 * Plaid webhooks (POST /api/v1/webhooks/plaid): verified by the bank-link adapter
 * (Plaid-Verification, ES256), stored once, acted on through the outbox.
 *
 * Plaid's webhooks carry no event id, so ours is
 * `${webhook_type}:${webhook_code}:${item_id}:${sha256(raw body)}` ("-" for a missing field).
 * Plaid re-delivers the same body when we fail to answer 200 (only the JWT in the header,
 * with its `iat`, is new), so a re-delivery is recognised as a replay; two real events
 * always differ in their body. The body is stored as received: Plaid puts ids, codes and
 * counts in it, never account data.
 */

/** Applications whose bank data may still change what is decided. */
const openStatuses = ["in_progress", "submitted"] as const;

/** TRANSACTIONS codes after which the bank summary is computed again. */
const refreshCodes = new Set(["SYNC_UPDATES_AVAILABLE", "HISTORICAL_UPDATE"]);

/** ITEM codes recorded on the application (audit log) for whoever reviews it. */
const itemCodesToRecord = new Set([
  "ERROR",
  "PENDING_EXPIRATION",
  "PENDING_DISCONNECT",
  "USER_PERMISSION_REVOKED",
  "USER_ACCOUNT_REVOKED",
]);

export type PlaidWebhookOutcome =
  | { kind: "rejected"; reason: string }
  /** Plaid could not be asked for the verification key: answer 5xx so that Plaid retries. */
  | { kind: "unavailable" }
  | { kind: "replayed"; eventId: string }
  | { kind: "accepted"; eventId: string; jobs: number; recorded: number };

function field(body: Record<string, unknown>, name: string): string | null {
  const value = body[name];
  return typeof value === "string" && value.length > 0 ? value : null;
}

/** Our id for a Plaid webhook (Plaid gives none): see the module comment. */
export function plaidEventId(body: Record<string, unknown>, rawBody: string): string {
  const part = (name: string) => field(body, name) ?? "-";
  return `${part("webhook_type")}:${part("webhook_code")}:${part("item_id")}:${sha256Hex(rawBody)}`;
}

/**
 * Verifies, stores once and enqueues. Network (the verification key, cached) happens before
 * the write transaction; nothing is stored unless the webhook verified.
 */
export async function receivePlaidWebhook(
  database: Database,
  rawBody: string,
  verificationHeader: string | null,
  now: Date = new Date(),
): Promise<PlaidWebhookOutcome> {
  const adapter = getBankLink();
  // Production without Plaid has no key to check against (and never falls back to the sandbox's).
  if (!adapter) return { kind: "rejected", reason: "PLAID_NOT_CONFIGURED" };
  let body: Record<string, unknown>;
  try {
    body = await adapter.verifyWebhook(rawBody, verificationHeader, now);
  } catch (error) {
    if (!isPartnerError(error)) throw error;
    if (!error.permanent) {
      logger.warn(
        { err: { message: error.message, code: error.code } },
        "Plaid webhook: verification key unavailable; asking Plaid to retry",
      );
      return { kind: "unavailable" };
    }
    logger.warn({ code: error.code }, "Plaid webhook rejected");
    return { kind: "rejected", reason: String(error.code ?? "WEBHOOK_REJECTED") };
  }

  const type = field(body, "webhook_type");
  const code = field(body, "webhook_code");
  const itemId = field(body, "item_id");
  const eventId = plaidEventId(body, rawBody);
  const refresh = type === "TRANSACTIONS" && code !== null && refreshCodes.has(code);
  const record = type === "ITEM" && code !== null && itemCodesToRecord.has(code);
  // The item's applications, read before the write lock (plaid_item_id has no index; webhooks are rare).
  const linked =
    itemId && (refresh || record)
      ? await database.db
          .select({ id: applications.id, status: applications.status })
          .from(applications)
          .where(eq(applications.plaidItemId, itemId))
      : [];

  return database.write(async (tx) => {
    const fresh = await recordWebhookEvent(tx, {
      partner: "plaid",
      eventId,
      eventType: `${type ?? "-"}.${code ?? "-"}`,
      payload: rawBody,
    });
    if (!fresh) return { kind: "replayed", eventId } as const;
    let jobs = 0;
    let recorded = 0;
    for (const application of linked) {
      if (refresh && (openStatuses as readonly string[]).includes(application.status)) {
        // One pending refresh per application is enough: it reads whatever Plaid has by then.
        const job = await enqueue(
          tx,
          refreshBankSummaryJob,
          { applicationId: application.id, itemId: itemId! },
          { key: application.id, keyMode: "dedupe" },
        );
        if (!job.deduped) jobs += 1;
      }
      if (record) {
        const error = body.error as { error_code?: unknown } | null | undefined;
        await audit(tx, {
          actorType: "system",
          actorId: "plaid",
          action: "application.bank_item_event",
          entityType: "application",
          entityId: application.id,
          details: {
            webhook_code: code,
            error_code: typeof error?.error_code === "string" ? error.error_code : null,
            event_id: eventId,
          },
        });
        recorded += 1;
      }
    }
    return { kind: "accepted", eventId, jobs, recorded } as const;
  });
}

/**
 * What is stored of a summary (at linking and on every refresh): Plaid's overdraftCount already
 * includes the NSF/overdraft fee transactions, which decisioning adds again, so the fees are
 * taken out and nothing counts twice.
 */
export function storedBankSummary(summary: BankSummary): Record<string, unknown> {
  return { ...summary, overdraftCount: Math.max(0, summary.overdraftCount - summary.nsfCount) };
}

export type RefreshOutcome =
  | { outcome: "refreshed" }
  | { outcome: "skipped"; reason: string }
  /** Plaid refused for good (e.g. the item needs a new login): the earlier summary stays. */
  | { outcome: "failed"; code: string };

/**
 * The refresh-bank-summary job: summarises the item again (network, outside any transaction)
 * and stores the new summary — only while the application is still in progress or submitted
 * and still linked to that item. A transient Plaid failure is thrown, so the job is retried.
 */
export async function refreshBankSummary(
  database: Database,
  input: { applicationId: string; itemId: string },
  signal: AbortSignal,
): Promise<RefreshOutcome> {
  const application = await database.db
    .select({
      status: applications.status,
      plaidItemId: applications.plaidItemId,
      plaidAccessTokenEnc: applications.plaidAccessTokenEnc,
    })
    .from(applications)
    .where(eq(applications.id, input.applicationId))
    .get();
  if (!application) return { outcome: "skipped", reason: "no_application" };
  if (application.plaidItemId !== input.itemId || !application.plaidAccessTokenEnc) {
    return { outcome: "skipped", reason: "item_not_linked" };
  }
  if (!(openStatuses as readonly string[]).includes(application.status)) {
    return { outcome: "skipped", reason: "decided" };
  }
  const adapter = getBankLink();
  if (!adapter) return { outcome: "skipped", reason: "plaid_not_configured" };

  const accessToken = getCipher().decrypt(
    application.plaidAccessTokenEnc,
    "applications.plaid_access_token",
  );
  let summary: BankSummary;
  try {
    summary = await adapter.summarize(accessToken, signal);
  } catch (error) {
    if (!isPartnerError(error) || !error.permanent) throw error;
    const code = String(error.code ?? error.status ?? "PLAID_ERROR");
    await database.write((tx) =>
      audit(tx, {
        actorType: "system",
        actorId: "plaid",
        action: "application.bank_summary_refresh_failed",
        entityType: "application",
        entityId: input.applicationId,
        details: { code },
      }),
    );
    return { outcome: "failed", code };
  }

  return database.write(async (tx) => {
    const updated = await tx
      .update(applications)
      .set({ bankSummary: storedBankSummary(summary) })
      .where(
        and(
          eq(applications.id, input.applicationId),
          eq(applications.plaidItemId, input.itemId),
          inArray(applications.status, [...openStatuses]),
        ),
      )
      .returning({ id: applications.id });
    if (updated.length === 0) return { outcome: "skipped", reason: "decided" } as const;
    await audit(tx, {
      actorType: "system",
      actorId: "plaid",
      action: "application.bank_summary_refreshed",
      entityType: "application",
      entityId: input.applicationId,
      details: { days_of_history: summary.daysOfHistory, account_count: summary.accountCount },
    });
    return { outcome: "refreshed" } as const;
  });
}
