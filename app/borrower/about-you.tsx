import { getInputProps, type FieldMetadata } from "@conform-to/react";
import { consentTexts } from "./consent-texts";
import { FieldError } from "./ui";

type Field = FieldMetadata<string | undefined>;

export type AboutYouFields = {
  dateOfBirth: Field;
  ssn: Field;
  monthlyIncome: Field;
  housingCost: Field;
  creditPull: Field;
  esign: Field;
  privacy: Field;
};

const described = (...ids: (string | false | null | undefined)[]) =>
  ids.filter(Boolean).join(" ") || undefined;

/**
 * The four typed fields a credit check needs and the consents that apply to it, in one form
 * (issue 17: consents on the page where they apply). Used by the application's details page and
 * the prequalification page, so both ask the same way — and a converted prequalification never
 * asks again.
 */
export function AboutYouInputs({
  fields,
  ssnLast4,
}: {
  fields: AboutYouFields;
  ssnLast4: string | null;
}) {
  return (
    <>
      <label htmlFor={fields.dateOfBirth.id}>Date of birth</label>
      <input
        {...getInputProps(fields.dateOfBirth, { type: "date" })}
        autoComplete="bday"
        aria-describedby={described(fields.dateOfBirth.errors && fields.dateOfBirth.errorId)}
      />
      <FieldError id={fields.dateOfBirth.errorId} errors={fields.dateOfBirth.errors} />

      <label htmlFor={fields.ssn.id}>Social Security number</label>
      {ssnLast4 ? (
        <p className="muted" id="ssn-hint">
          We have the number ending in {ssnLast4}. Leave this empty to keep it.
        </p>
      ) : null}
      <input
        {...getInputProps(fields.ssn, { type: "text" })}
        inputMode="numeric"
        autoComplete="off"
        placeholder="123-45-6789"
        aria-describedby={described(
          ssnLast4 && "ssn-hint",
          fields.ssn.errors && fields.ssn.errorId,
        )}
      />
      <FieldError id={fields.ssn.errorId} errors={fields.ssn.errors} />

      <label htmlFor={fields.monthlyIncome.id}>Monthly income before taxes ($)</label>
      <input
        {...getInputProps(fields.monthlyIncome, { type: "text" })}
        inputMode="decimal"
        aria-describedby={described(fields.monthlyIncome.errors && fields.monthlyIncome.errorId)}
      />
      <FieldError id={fields.monthlyIncome.errorId} errors={fields.monthlyIncome.errors} />

      <label htmlFor={fields.housingCost.id}>Monthly rent or mortgage ($)</label>
      <input
        {...getInputProps(fields.housingCost, { type: "text" })}
        inputMode="decimal"
        aria-describedby={described(fields.housingCost.errors && fields.housingCost.errorId)}
      />
      <FieldError id={fields.housingCost.errorId} errors={fields.housingCost.errors} />
      <p className="muted small">
        Your SSN and date of birth are encrypted and never shown in full again.
      </p>
    </>
  );
}

const consentItems = [
  { field: "creditPull", kind: "credit_pull" },
  { field: "esign", kind: "esign" },
  { field: "privacy", kind: "privacy" },
] as const;

/** The three required consents (each text shown in full) and the optional texts (TCPA). */
export function ConsentChecks({
  fields,
}: {
  fields: Pick<AboutYouFields, "creditPull" | "esign" | "privacy">;
}) {
  return (
    <fieldset className="consents">
      <legend>Before we check your credit</legend>
      {consentItems.map(({ field, kind }) => {
        const meta = fields[field];
        const text = consentTexts[kind];
        return (
          <div key={field} className="consent">
            <h2 className="small-heading">{text.title}</h2>
            <p id={`${meta.id}-text`} className="small">
              {text.text}
            </p>
            <label className="check">
              <input
                {...getInputProps(meta, { type: "checkbox", value: "on" })}
                aria-describedby={described(`${meta.id}-text`, meta.errors && meta.errorId)}
              />{" "}
              I agree
            </label>
            <FieldError id={meta.errorId} errors={meta.errors} />
          </div>
        );
      })}
      <div className="consent">
        <h2 className="small-heading">{consentTexts.sms.title}</h2>
        <p id="sms-consent-text" className="small">
          {consentTexts.sms.text}
        </p>
        <label className="check">
          <input
            type="checkbox"
            name="smsConsent"
            value="on"
            defaultChecked={false}
            aria-describedby="sms-consent-text"
          />{" "}
          Yes, text me about this application
        </label>
      </div>
    </fieldset>
  );
}
