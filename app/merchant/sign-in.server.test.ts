import { appDatabase, createMerchant } from "~/scripts/testing/app-harness";
import { desc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import {
  auditLogs,
  merchantMemberships,
  merchantSessions,
  merchantSignInLinks,
  merchantUsers,
  messages,
} from "~/db/schema/index";
import { emailContent } from "~/app/messaging/email.server";
import { redactedTarget, scrubSecretsInText } from "~/app/observability/redact-url";
import { sha256Hex } from "~/app/security/hash.server";
import { consumeSignInLink, perAddressLimit, requestSignInLink } from "./sign-in.server";
import { inviteMerchantUser } from "./users.server";

const client = { ip: "203.0.113.7", userAgent: "vitest" };
let counter = 0;
const uniqueEmail = () => `user.${Date.now().toString(36)}.${++counter}@example.com`;

/** The newest e-mail to `to`: its text, and the token of the link in it. */
async function lastEmailTo(to: string) {
  const database = await appDatabase();
  const row = await database.db
    .select()
    .from(messages)
    .where(eq(messages.recipient, to))
    .orderBy(desc(messages.createdAt))
    .get();
  if (!row) return null;
  const { subject, text } = emailContent(row.bodyEnc);
  const token = /\/merchant\/link\?token=([\w-]+)/.exec(text)?.[1] ?? null;
  return { subject, text, token, template: row.template };
}

async function emailsTo(to: string) {
  const database = await appDatabase();
  return database.db.select().from(messages).where(eq(messages.recipient, to)).all();
}

describe("inviteMerchantUser (docs/product/merchants-and-money.md, The merchant portal)", () => {
  it("creates the user and the membership and e-mails a single-use sign-in link stored only hashed", async () => {
    const database = await appDatabase();
    const merchant = await createMerchant();
    const email = uniqueEmail();
    const invited = await inviteMerchantUser(database, {
      merchantId: merchant.id,
      email: email.toUpperCase(),
      role: "owner",
      invitedBy: "system",
    });
    expect(invited.alreadyMember).toBe(false);
    const user = await database.db.query.merchantUsers.findFirst({
      where: eq(merchantUsers.id, invited.userId),
    });
    expect(user?.email).toBe(email);
    const membership = await database.db.query.merchantMemberships.findFirst({
      where: eq(merchantMemberships.id, invited.membershipId),
    });
    expect(membership).toMatchObject({ merchantId: merchant.id, role: "owner" });

    const mail = await lastEmailTo(email);
    expect(mail?.template).toBe("merchant_invite");
    expect(mail?.token).toBeTruthy();
    const links = await database.db
      .select()
      .from(merchantSignInLinks)
      .where(eq(merchantSignInLinks.userId, invited.userId));
    expect(links).toHaveLength(1);
    expect(links[0]!.tokenHash).toBe(sha256Hex(mail!.token!));
    expect(JSON.stringify(links)).not.toContain(mail!.token!);
    expect(links[0]!.expiresAt.getTime() - links[0]!.createdAt.getTime()).toBe(15 * 60 * 1000);

    const first = await consumeSignInLink(database, mail!.token!, client);
    expect(first).toMatchObject({ needsTotp: false });
    const session = await database.db.query.merchantSessions.findFirst({
      where: eq(merchantSessions.id, first!.sessionId),
    });
    expect(session).toMatchObject({ userId: invited.userId, merchantId: merchant.id });
    expect(session?.verifiedAt).not.toBeNull();
    // Single use: the same link never opens a second session.
    expect(await consumeSignInLink(database, mail!.token!, client)).toBeNull();

    // Inviting the same address again changes nothing and sends nothing.
    const again = await inviteMerchantUser(database, {
      merchantId: merchant.id,
      email,
      role: "staff",
      invitedBy: "system",
    });
    expect(again).toMatchObject({ alreadyMember: true, membershipId: invited.membershipId });
    expect(await emailsTo(email)).toHaveLength(1);
  });

  it("refuses an expired link", async () => {
    const database = await appDatabase();
    const merchant = await createMerchant();
    const email = uniqueEmail();
    const invited = await inviteMerchantUser(database, {
      merchantId: merchant.id,
      email,
      role: "staff",
      invitedBy: "system",
    });
    const mail = await lastEmailTo(email);
    await database.write((tx) =>
      tx
        .update(merchantSignInLinks)
        .set({ expiresAt: new Date(Date.now() - 1000) })
        .where(eq(merchantSignInLinks.userId, invited.userId)),
    );
    expect(await consumeSignInLink(database, mail!.token!, client)).toBeNull();
    expect(await consumeSignInLink(database, "not-a-token-at-all-but-long", client)).toBeNull();
  });
});

describe("requestSignInLink", () => {
  it("answers the same for a user and an unknown address, e-mailing only the user", async () => {
    const database = await appDatabase();
    const merchant = await createMerchant();
    const known = uniqueEmail();
    await inviteMerchantUser(database, {
      merchantId: merchant.id,
      email: known,
      role: "manager",
      invitedBy: "system",
    });
    const unknown = uniqueEmail();
    const ip = { ...client, ip: "198.51.100.1" };
    expect(await requestSignInLink(database, known, ip)).toBe("sent");
    expect(await requestSignInLink(database, unknown, ip)).toBe("sent");
    const mail = await lastEmailTo(known);
    expect(mail?.template).toBe("merchant_sign_in");
    expect(await emailsTo(unknown)).toHaveLength(0);
    // The audit log never holds the unknown address.
    const audits = await database.db.select().from(auditLogs).all();
    expect(JSON.stringify(audits)).not.toContain(unknown);
  });

  it("throttles per address (a user's or not) and per IP", async () => {
    const database = await appDatabase();
    const merchant = await createMerchant();
    const known = uniqueEmail();
    await inviteMerchantUser(database, {
      merchantId: merchant.id,
      email: known,
      role: "staff",
      invitedBy: "system",
    });
    const unknown = uniqueEmail();
    for (const email of [known, unknown]) {
      for (let i = 0; i < perAddressLimit; i++) {
        expect(await requestSignInLink(database, email, { ...client, ip: `192.0.2.${i}` })).toBe(
          "sent",
        );
      }
      expect(await requestSignInLink(database, email, { ...client, ip: "192.0.2.99" })).toBe(
        "throttled",
      );
    }
    // invite + 5 sign-in links; the throttled request sent nothing.
    expect(await emailsTo(known)).toHaveLength(1 + perAddressLimit);

    const outcomes = [];
    for (let i = 0; i < 31; i++) {
      outcomes.push(
        await requestSignInLink(database, uniqueEmail(), { ...client, ip: "192.0.2.200" }),
      );
    }
    expect(outcomes.slice(0, 30).every((o) => o === "sent")).toBe(true);
    expect(outcomes[30]).toBe("throttled");
  });
});

describe("the sign-in link in logs (ADR 061)", () => {
  it("keeps its token out of request targets and log text", async () => {
    const token = "Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXg";
    const url = `/merchant/link?token=${token}&next=%2Fmerchant%2Fteam`;
    expect(redactedTarget(url)).toBe("/merchant/link?token=[redacted]&next=[redacted]");
    expect(scrubSecretsInText(`GET https://flowpay.test${url} failed`)).not.toContain(token);
  });
});
