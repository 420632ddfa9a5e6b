import { and, eq, ne } from "drizzle-orm";
import type { Database, Tx } from "~/db/client";
import { newId } from "~/db/ids";
import { merchantMemberships, merchantSessions, merchantUsers, merchants } from "~/db/schema/index";
import type { MerchantRole } from "~/db/schema/merchant-users";
import { audit, type AuditEntry } from "~/app/audit/audit.server";
import { nudgeRunner } from "~/jobs/nudge.server";
import { issueSignInLink, normalizeEmail } from "./sign-in.server";

export type InviteInput = {
  merchantId: string;
  email: string;
  role: MerchantRole;
  /**
   * Who invited: a merchant user's id (the portal's team screen), `"operator:<id>"` (FlowOps,
   * e.g. approving an onboarding application) or `"system"` (the demo seed).
   */
  invitedBy: string;
  name?: string | null;
  client?: { ip: string | null; userAgent: string | null };
};

export type InviteResult = {
  userId: string;
  membershipId: string;
  /** The address already had a membership in this merchant: nothing changed, nothing sent. */
  alreadyMember: boolean;
};

export class MerchantNotFoundError extends Error {
  override name = "MerchantNotFoundError";
}

function actorOf(invitedBy: string): Pick<AuditEntry, "actorType" | "actorId"> {
  if (invitedBy === "system") return { actorType: "system", actorId: "system" };
  if (invitedBy.startsWith("operator:")) {
    return { actorType: "operator", actorId: invitedBy.slice("operator:".length) };
  }
  return { actorType: "merchant_user", actorId: invitedBy };
}

/**
 * Gives `email` the role `role` in a merchant — creating the merchant user when the address is
 * new — and e-mails a single-use sign-in link (15 minutes; afterwards the user asks for a new
 * one on /merchant/login), all in the caller's transaction with its audit record. The one way
 * a merchant user comes to exist: the portal's team screen, onboarding approval and the demo
 * seed all call it (ADR 059).
 */
export async function inviteMerchantUserInTx(tx: Tx, input: InviteInput): Promise<InviteResult> {
  const email = normalizeEmail(input.email);
  const merchant = await tx.query.merchants.findFirst({
    where: eq(merchants.id, input.merchantId),
    columns: { id: true, name: true },
  });
  if (!merchant) throw new MerchantNotFoundError(`No merchant ${input.merchantId}`);
  let user = await tx.query.merchantUsers.findFirst({ where: eq(merchantUsers.email, email) });
  if (!user) {
    const [created] = await tx
      .insert(merchantUsers)
      .values({ id: newId("mus"), email, name: input.name ?? null })
      .returning();
    user = created!;
  }
  const existing = await tx.query.merchantMemberships.findFirst({
    where: and(
      eq(merchantMemberships.merchantId, merchant.id),
      eq(merchantMemberships.userId, user.id),
    ),
  });
  if (existing) return { userId: user.id, membershipId: existing.id, alreadyMember: true };
  const membershipId = newId("mem");
  await tx.insert(merchantMemberships).values({
    id: membershipId,
    merchantId: merchant.id,
    userId: user.id,
    role: input.role,
    invitedBy: input.invitedBy,
  });
  const inviter = input.invitedBy.startsWith("mus_")
    ? await tx.query.merchantUsers.findFirst({
        where: eq(merchantUsers.id, input.invitedBy),
        columns: { name: true, email: true },
      })
    : undefined;
  await issueSignInLink(tx, {
    userId: user.id,
    email,
    merchantId: merchant.id,
    message: {
      kind: "invite",
      merchantName: merchant.name,
      inviterName: inviter ? (inviter.name ?? inviter.email) : null,
    },
  });
  await audit(tx, {
    ...actorOf(input.invitedBy),
    ...input.client,
    action: "merchant_user.invite",
    entityType: "merchant_membership",
    entityId: membershipId,
    details: { merchant_id: merchant.id, user_id: user.id, role: input.role },
  });
  return { userId: user.id, membershipId, alreadyMember: false };
}

/** inviteMerchantUserInTx in a transaction of its own; the e-mail leaves through the outbox. */
export async function inviteMerchantUser(
  database: Database,
  input: InviteInput,
): Promise<InviteResult> {
  const result = await database.write((tx) => inviteMerchantUserInTx(tx, input));
  if (!result.alreadyMember) nudgeRunner();
  return result;
}

export type TeamChangeOutcome = "done" | "not_found" | "last_owner";

type Actor = { userId: string; ip: string | null; userAgent: string | null };

/** A membership of `merchantId` (another merchant's id finds nothing). */
function memberOf(tx: Tx, merchantId: string, membershipId: string) {
  return tx.query.merchantMemberships.findFirst({
    where: and(
      eq(merchantMemberships.id, membershipId),
      eq(merchantMemberships.merchantId, merchantId),
    ),
  });
}

async function otherOwners(tx: Tx, merchantId: string, membershipId: string) {
  const rows = await tx
    .select({ id: merchantMemberships.id })
    .from(merchantMemberships)
    .where(
      and(
        eq(merchantMemberships.merchantId, merchantId),
        eq(merchantMemberships.role, "owner"),
        ne(merchantMemberships.id, membershipId),
      ),
    );
  return rows.length;
}

/**
 * A new role for a member of `merchantId` (membership ids of other merchants are "not_found").
 * A merchant always keeps an owner: the last one cannot be demoted.
 */
export async function changeMemberRole(
  database: Database,
  merchantId: string,
  membershipId: string,
  role: MerchantRole,
  actor: Actor,
): Promise<TeamChangeOutcome> {
  return database.write(async (tx) => {
    const member = await memberOf(tx, merchantId, membershipId);
    if (!member) return "not_found";
    if (member.role === role) return "done";
    if (member.role === "owner" && (await otherOwners(tx, merchantId, membershipId)) === 0) {
      return "last_owner";
    }
    await tx
      .update(merchantMemberships)
      .set({ role })
      .where(eq(merchantMemberships.id, membershipId));
    await audit(tx, {
      actorType: "merchant_user",
      actorId: actor.userId,
      ip: actor.ip,
      userAgent: actor.userAgent,
      action: "merchant_user.role_change",
      entityType: "merchant_membership",
      entityId: membershipId,
      details: { merchant_id: merchantId, from: member.role, to: role },
    });
    return "done";
  });
}

/**
 * Removes a member from `merchantId` (not the last owner). Their sessions on this merchant end
 * at once: the next request falls back to another of their merchants, or signs them out.
 */
export async function removeMember(
  database: Database,
  merchantId: string,
  membershipId: string,
  actor: Actor,
): Promise<TeamChangeOutcome> {
  return database.write(async (tx) => {
    const member = await memberOf(tx, merchantId, membershipId);
    if (!member) return "not_found";
    if (member.role === "owner" && (await otherOwners(tx, merchantId, membershipId)) === 0) {
      return "last_owner";
    }
    await tx.delete(merchantMemberships).where(eq(merchantMemberships.id, membershipId));
    // The session keeps its user; lookupPortalSession re-checks membership on every request.
    await tx
      .update(merchantSessions)
      .set({ merchantId: null })
      .where(
        and(
          eq(merchantSessions.userId, member.userId),
          eq(merchantSessions.merchantId, merchantId),
        ),
      );
    await audit(tx, {
      actorType: "merchant_user",
      actorId: actor.userId,
      ip: actor.ip,
      userAgent: actor.userAgent,
      action: "merchant_user.remove",
      entityType: "merchant_membership",
      entityId: membershipId,
      details: { merchant_id: merchantId, user_id: member.userId, role: member.role },
    });
    return "done";
  });
}
