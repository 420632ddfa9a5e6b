import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { clientInfo } from "~/app/audit/audit.server";
import { getDatabase } from "~/app/db.server";
import { requireAction, requirePermission } from "~/app/ops/guard.server";
import { OpsShell } from "~/app/ops/layout";
import { basisPointsToPercent, type MerchantFormField } from "~/app/ops/merchants-form";
import { parseMerchantForm } from "~/app/ops/merchants-form.server";
import { MerchantFields } from "~/app/ops/merchants-ui";
import { createMerchant, MerchantFieldError, merchantPlans } from "~/app/ops/merchants.server";
import { centsToDollarInput } from "~/app/money/dollars";
import { FormAlert } from "~/app/ui/fields";

export const meta: MetaFunction = () => [{ title: "Add a merchant — FlowOps" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const { operator } = await requirePermission(request, "edit:merchant");
  return {
    operator: { name: operator.name, email: operator.email, role: operator.role },
    plans: await merchantPlans(await getDatabase()),
  };
}

type ActionData = {
  errors: Partial<Record<MerchantFormField, string>>;
  values: Partial<Record<MerchantFormField, string>>;
};

export async function action({ request }: ActionFunctionArgs) {
  const { operator } = await requireAction(request, "edit:merchant");
  const database = await getDatabase();
  const parsed = parseMerchantForm(await request.formData(), {
    mode: "create",
    plans: await merchantPlans(database),
  });
  if (!parsed.ok) return { errors: parsed.errors, values: parsed.values } satisfies ActionData;
  try {
    const created = await createMerchant(database, {
      value: parsed.value,
      actor: { actorType: "operator", actorId: operator.id, ...clientInfo(request) },
    });
    return redirect(`/ops/merchants/${created.id}?done=created`);
  } catch (error) {
    if (error instanceof MerchantFieldError) {
      const { disbursementAccount: _omitted, ...value } = parsed.value;
      return {
        errors: { [error.field]: error.message },
        values: {
          name: value.name,
          slug: value.slug,
          minAmount: centsToDollarInput(value.minAmountCents),
          maxAmount: centsToDollarInput(value.maxAmountCents),
          pricingPlan: value.pricingPlan,
          merchantFee: basisPointsToPercent(value.merchantFeeBps),
        },
      } satisfies ActionData;
    }
    throw error;
  }
}

export default function NewMerchant() {
  const { operator, plans } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  const hasErrors = actionData && Object.keys(actionData.errors).length > 0;
  return (
    <OpsShell operator={operator} title="Add a merchant">
      <p>
        <Link to="/ops/merchants">← All merchants</Link>
      </p>
      <FormAlert
        message={
          hasErrors ? "The merchant was not created: please correct the fields below." : null
        }
      />
      <Form method="post" className="card narrow-form">
        <MerchantFields
          mode="create"
          values={
            actionData?.values ?? {
              minAmount: "500.00",
              maxAmount: "25000.00",
              pricingPlan: "standard",
              merchantFee: "3.00",
            }
          }
          errors={actionData?.errors ?? {}}
          plans={plans}
        />
        <button type="submit" disabled={busy}>
          Create merchant
        </button>
      </Form>
    </OpsShell>
  );
}
