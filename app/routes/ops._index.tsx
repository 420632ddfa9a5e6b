import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, useLoaderData } from "@remix-run/react";
import { requireOperator } from "~/ops/session.server";

export const meta: MetaFunction = () => [{ title: "FlowOps" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { operator } = await requireOperator(request);
  return { name: operator.name, email: operator.email, role: operator.role };
}

export default function OpsHome() {
  const operator = useLoaderData<typeof loader>();
  return (
    <main className="page">
      <header>
        <h1>FlowOps</h1>
        <p>
          Signed in as <strong>{operator.name}</strong> ({operator.email}, {operator.role})
        </p>
        <Form method="post" action="/ops/logout">
          <button type="submit">Sign out</button>
        </Form>
      </header>
    </main>
  );
}
