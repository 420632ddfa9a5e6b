/**
 * The bank-link sandbox: nothing leaves the process. The borrower picks one of the
 * documented sandbox banks (`sandboxBanks`, a plain form — no Plaid Link, no JavaScript);
 * the bank's fixed public token is exchanged for a fixed access token, and `summarize`
 * runs that bank's canned accounts and transactions (sandbox-data.ts, dated relative to
 * today) through the same summary.ts as the live adapter. docs/sandbox/plaid.md lists
 * what each bank produces.
 *
 * Webhooks: the sandbox sends none, but it verifies them exactly as the live adapter does
 * (same code), against its own ES256 key: sign a body with `signSandboxWebhook` (a script,
 * a test, a demo) and post it to the webhook route.
 */
import { PartnerError } from "~/adapters/shared/errors";
import { PARTNER, abortedError } from "./internal";
import { findSandboxBank, sandboxBanks, type SandboxBankId } from "./sandbox-banks";
import { sandboxDataset } from "./sandbox-data";
import { isoDate, summarizeBank } from "./summary";
import { type BankLinkAdapter, type BankSummary } from "./types";
import { createWebhookVerifier } from "./webhook";
import {
  generateWebhookSigningKey,
  signWebhookBody,
  type SignWebhookOptions,
  type WebhookSigningKey,
} from "./webhook-signing";

/** How long a sandbox link token "lasts" (Plaid's are 4 hours). */
export const SANDBOX_LINK_TOKEN_TTL_MS = 4 * 60 * 60 * 1000;
export const SANDBOX_WEBHOOK_KID = "sandbox-webhook-key-1";

const ACCESS_PREFIX = "access-sandbox-";
const ITEM_PREFIX = "item-sandbox-";

// One key pair per process, on globalThis so it survives the dev server re-evaluating
// this module (a webhook signed before a reload still verifies after it).
const KEY_SLOT = Symbol.for("flowpay.adapters.plaid.sandboxWebhookKey");
function sandboxKey(): WebhookSigningKey {
  const holder = globalThis as typeof globalThis & { [KEY_SLOT]?: WebhookSigningKey };
  holder[KEY_SLOT] ??= generateWebhookSigningKey(SANDBOX_WEBHOOK_KID);
  return holder[KEY_SLOT];
}

/** The sandbox's public webhook key (as /webhook_verification_key/get would return it). */
export function sandboxWebhookKey() {
  return { ...sandboxKey().publicJwk };
}

/** A `Plaid-Verification` header the sandbox adapter accepts for `body`. */
export function signSandboxWebhook(body: string, options: SignWebhookOptions = {}): string {
  return signWebhookBody(sandboxKey(), body, options);
}

function bankOfAccessToken(accessToken: string): Exclude<SandboxBankId, "link-failure"> | null {
  if (!accessToken.startsWith(ACCESS_PREFIX)) return null;
  const id = accessToken.slice(ACCESS_PREFIX.length);
  const bank = sandboxBanks.find((b) => b.id === id);
  if (!bank || bank.id === "link-failure") return null;
  return bank.id;
}

export function createSandboxBankLink(options: { now?: () => Date } = {}): BankLinkAdapter {
  const now = options.now ?? (() => new Date());
  const verifier = createWebhookVerifier({
    async fetchKey(kid) {
      const key = sandboxKey();
      if (kid !== key.kid) {
        throw new PartnerError("webhook verification key not found", {
          partner: PARTNER,
          status: 400,
          code: "INVALID_WEBHOOK_VERIFICATION_KEY_ID",
          permanent: true,
        });
      }
      return key.publicJwk;
    },
  });

  return {
    name: "sandbox",

    async createLinkToken({ clientUserId, signal }) {
      if (signal?.aborted) throw abortedError(signal, "createLinkToken");
      if (!clientUserId) {
        throw new PartnerError("user.client_user_id is required", {
          partner: PARTNER,
          status: 400,
          code: "INVALID_FIELD",
          permanent: true,
        });
      }
      const issued = now();
      const suffix = Buffer.from(clientUserId, "utf8").toString("base64url").slice(0, 24);
      return {
        linkToken: `link-sandbox-${suffix}-${issued.getTime().toString(36)}`,
        expiration: new Date(issued.getTime() + SANDBOX_LINK_TOKEN_TTL_MS).toISOString(),
      };
    },

    async exchangePublicToken(publicToken, signal) {
      if (signal?.aborted) throw abortedError(signal, "exchangePublicToken");
      const bank = findSandboxBank(publicToken);
      if (!bank) {
        throw new PartnerError("Plaid exchangePublicToken failed: HTTP 400 INVALID_PUBLIC_TOKEN", {
          partner: PARTNER,
          status: 400,
          code: "INVALID_PUBLIC_TOKEN",
          permanent: true,
        });
      }
      if (bank.id === "link-failure") {
        throw new PartnerError(
          "Plaid exchangePublicToken failed: HTTP 400 ITEM_LOGIN_REQUIRED: the login details of this item have changed (sandbox bank)",
          { partner: PARTNER, status: 400, code: "ITEM_LOGIN_REQUIRED", permanent: true },
        );
      }
      return { accessToken: `${ACCESS_PREFIX}${bank.id}`, itemId: `${ITEM_PREFIX}${bank.id}` };
    },

    async summarize(accessToken, signal): Promise<BankSummary> {
      if (signal?.aborted) throw abortedError(signal, "summarize");
      const bank = bankOfAccessToken(accessToken);
      if (!bank) {
        // The token itself is never echoed.
        throw new PartnerError("Plaid summarize failed: HTTP 400 INVALID_ACCESS_TOKEN", {
          partner: PARTNER,
          status: 400,
          code: "INVALID_ACCESS_TOKEN",
          permanent: true,
        });
      }
      const asOf = isoDate(now());
      return summarizeBank({ ...sandboxDataset(bank, asOf), asOf });
    },

    verifyWebhook(rawBody, verificationHeader, at) {
      return verifier(rawBody, verificationHeader, at ?? now());
    },
  };
}
