import { desc, eq } from "drizzle-orm";
import { messages } from "~/db/schema/index";
import type { MerchantRole } from "~/db/schema/merchant-users";
import { appDatabase } from "./app-harness";

/**
 * Merchant portal route tests: a merchant user of `merchantId` with `role`, signed in through the
 * real invitation link (ADR 059); returns the session cookie. Import app-harness first.
 */
let counter = 0;

export async function signedInMerchantUser(
  merchantId: string,
  role: MerchantRole,
): Promise<string> {
  const database = await appDatabase();
  const { inviteMerchantUser } = await import("~/app/merchant/users.server");
  const { consumeSignInLink } = await import("~/app/merchant/sign-in.server");
  const { sessionCookieHeader } = await import("~/app/merchant/session.server");
  const { emailContent } = await import("~/app/messaging/email.server");
  const email = `${role}.${++counter}.${Date.now().toString(36)}@example.com`;
  await inviteMerchantUser(database, { merchantId, email, role, invitedBy: "system" });
  const row = await database.db
    .select()
    .from(messages)
    .where(eq(messages.recipient, email))
    .orderBy(desc(messages.createdAt))
    .get();
  const token = /token=([\w-]+)/.exec(emailContent(row!.bodyEnc).text)![1]!;
  const signed = await consumeSignInLink(database, token, {
    ip: "203.0.113.9",
    userAgent: "vitest",
  });
  return (await sessionCookieHeader(signed!.sessionId)).split(";")[0]!;
}
