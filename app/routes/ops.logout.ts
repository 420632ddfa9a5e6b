import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { clientInfo } from "~/app/audit/audit.server";
import { getDatabase } from "~/app/db.server";
import { endSession, readSession, sessionCookie } from "~/app/ops/session.server";

export async function action({ request }: ActionFunctionArgs) {
  const session = await readSession(request);
  const database = await getDatabase();
  if (!session) {
    return redirect("/ops/login", {
      headers: { "Set-Cookie": await sessionCookie().serialize("", { maxAge: 0 }) },
    });
  }
  const setCookie = await endSession(database, session, clientInfo(request));
  return redirect("/ops/login", { headers: { "Set-Cookie": setCookie } });
}

export const loader = () => redirect("/ops");
