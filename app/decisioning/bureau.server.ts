import { createExperian, type CreditBureau } from "~/adapters/experian/index";
import type { CreditPullRequest } from "~/adapters/experian/types";
import { getEnv, isProduction, namedSandbox } from "~/app/config/env.server";
import type { FieldCipher } from "~/app/security/encryption.server";

let bureau: CreditBureau | undefined;

/** The process's credit bureau, chosen from EXPERIAN_* settings (sandbox when unset outside production). */
export function getCreditBureau(): CreditBureau {
  if (!bureau) {
    const env = getEnv();
    bureau = createExperian({
      // Named in SANDBOX_PARTNERS: the sandbox, even in production (ADR 029).
      mode: namedSandbox("experian") ? "sandbox" : env.EXPERIAN_MODE,
      baseUrl: env.EXPERIAN_BASE_URL,
      clientId: env.EXPERIAN_CLIENT_ID,
      clientSecret: env.EXPERIAN_CLIENT_SECRET,
      username: env.EXPERIAN_USERNAME,
      password: env.EXPERIAN_PASSWORD,
      companyId: env.EXPERIAN_COMPANY_ID,
      subscriberCode: env.EXPERIAN_SUBSCRIBER_CODE,
      timeoutMs: env.EXPERIAN_TIMEOUT_MS,
      production: isProduction(),
    });
  }
  return bureau;
}

export function resetCreditBureau() {
  bureau = undefined;
}

/** What the bureau is asked for a customer (a decision's pull, a prequalification's). */
export function creditPullRequest(
  clientReferenceId: string,
  customer: {
    firstName: string;
    lastName: string;
    addressLine1: string | null;
    city: string | null;
    state: string | null;
    postalCode: string | null;
  },
  ssn: string,
  dateOfBirth: string | null,
): CreditPullRequest {
  return {
    clientReferenceId,
    firstName: customer.firstName,
    lastName: customer.lastName,
    ssn,
    dateOfBirth,
    address: {
      line1: customer.addressLine1,
      city: customer.city,
      state: customer.state,
      postalCode: customer.postalCode,
    },
  };
}

/**
 * The soft pull for a customer on file: the SSN decrypted for the call only; the date of birth
 * when it decrypts to a date (optional for a soft pull). A decision's pull and an underwriter's
 * re-pull (repull.server.ts) send the bureau the same request.
 */
export function customerPullRequest(
  clientReferenceId: string,
  customer: Parameters<typeof creditPullRequest>[1] & {
    ssnEnc: string;
    dateOfBirthEnc: string | null;
  },
  cipher: FieldCipher,
): CreditPullRequest {
  let dateOfBirth: string | null = null;
  if (customer.dateOfBirthEnc) {
    try {
      const value = cipher.decrypt(customer.dateOfBirthEnc, "customers.date_of_birth");
      dateOfBirth = /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : null;
    } catch {
      dateOfBirth = null; // optional for a soft pull; the SSN below must decrypt
    }
  }
  return creditPullRequest(
    clientReferenceId,
    customer,
    cipher.decrypt(customer.ssnEnc, "customers.ssn"),
    dateOfBirth,
  );
}
