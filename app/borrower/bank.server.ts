import { isPartnerError } from "~/adapters/shared/errors";
import type { clientInfo } from "~/app/audit/audit.server";
import { logger } from "~/app/observability/logger.server";
import type { Journey } from "./context.server";
import { getBankLink } from "./partners.server";
import { saveBankLink } from "./steps.server";
import { storedBankSummary } from "./webhooks-plaid.server";

/** The sandbox's banks, offered as buttons on the bank step (routes reach adapters through here). */
export { sandboxBanks } from "~/adapters/plaid/sandbox-banks";

/**
 * Exchanges the public token and summarises balances and transactions — network calls, so
 * outside any transaction — then stores the summary and the encrypted access token. A bank
 * that refuses the login is the borrower's to retry; an outage says so plainly.
 */
export async function linkBank(
  journey: Journey,
  publicToken: string,
  client: ReturnType<typeof clientInfo>,
): Promise<{ ok: true } | { ok: false; message: string }> {
  const adapter = getBankLink();
  if (!adapter)
    return {
      ok: false,
      message: "Bank linking isn't available right now. Continue without linking a bank.",
    };
  try {
    const { accessToken, itemId } = await adapter.exchangePublicToken(
      publicToken,
      AbortSignal.timeout(15_000),
    );
    const summary = await adapter.summarize(accessToken, AbortSignal.timeout(20_000));
    await saveBankLink(
      journey,
      { kind: "linked", itemId, accessToken, summary: storedBankSummary(summary) },
      client,
    );
    return { ok: true };
  } catch (error) {
    if (!isPartnerError(error)) throw error;
    logger.warn(
      { err: { message: error.message, code: error.code }, application_id: journey.application.id },
      "bank link failed",
    );
    return {
      ok: false,
      message: error.permanent
        ? "We couldn't connect to that bank. Try another bank, or continue without linking one."
        : "Your bank isn't responding right now. Try again in a minute, or continue without linking one.",
    };
  }
}
