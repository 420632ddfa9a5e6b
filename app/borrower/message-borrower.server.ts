import type { Tx } from "~/db/client";
import { queueEmail } from "~/app/messaging/email.server";
import { queueSms } from "~/app/messaging/sms.server";
import type { SmsTemplate } from "~/app/messaging/templates";
import { applicationParty } from "./party.server";

export type BorrowerParty = NonNullable<Awaited<ReturnType<typeof applicationParty>>>;

/** What to send: a text, an e-mail (sent only when the borrower gave an address), or both. */
export type BorrowerMessage = {
  sms?: SmsTemplate;
  email?: { template: string; subject: string; text: string };
};

/**
 * Texts and/or e-mails the borrower of an application, in the caller's transaction — so the
 * message exists exactly when the change it announces commits. `compose` gets the party (the
 * borrower's name, the merchant's name) because every message names them. Returns the party, or
 * undefined when the application does not exist (nothing is sent).
 */
export async function messageBorrower(
  tx: Tx,
  applicationId: string,
  compose: (party: BorrowerParty) => BorrowerMessage,
): Promise<BorrowerParty | undefined> {
  const party = await applicationParty(tx, applicationId);
  if (!party) return undefined;
  const { sms, email } = compose(party);
  const ids = { applicationId, merchantId: party.merchant.id };
  if (sms) await queueSms(tx, { to: party.customer.phone, ...ids, ...sms });
  if (email && party.customer.email) {
    await queueEmail(tx, { to: party.customer.email, ...ids, ...email });
  }
  return party;
}
