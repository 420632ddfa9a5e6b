import { parse, type Submission } from "@conform-to/react";
import type * as z from "zod/mini";

/**
 * conform's `parse` with a zod/mini schema: the same function validates a borrower form in the
 * action and, through `useForm({ onValidate })`, in the browser, so both give the same errors.
 * @conform-to/zod's parseWithZod would do this, but it imports classic zod (≈100 KB gzipped in
 * the browser). Like parseWithZod's default coercion, an empty field reaches the schema as
 * undefined, so `z.string({ error })` gives the "required" message.
 */
export function parseForm<Schema extends z.ZodMiniType>(
  payload: FormData | URLSearchParams,
  schema: Schema,
): Submission<z.input<Schema>, string[], z.output<Schema>> {
  return parse<z.output<Schema>, string[]>(payload, {
    resolve(value) {
      const result = schema.safeParse(withoutEmptyStrings(value));
      if (result.success) return { value: result.data };
      const error: Record<string, string[]> = {};
      for (const issue of result.error.issues)
        (error[fieldName(issue.path)] ??= []).push(issue.message);
      return { error };
    },
  }) as Submission<z.input<Schema>, string[], z.output<Schema>>;
}

function withoutEmptyStrings(value: unknown): unknown {
  if (value === "") return undefined;
  if (Array.isArray(value)) return value.map(withoutEmptyStrings);
  if (value !== null && typeof value === "object" && !(value instanceof Blob)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutEmptyStrings(v)]));
  }
  return value;
}

/** An issue's path as conform names the field: ["items", 0, "name"] → "items[0].name". */
function fieldName(path: PropertyKey[]) {
  return path.reduce<string>((name, segment) => {
    if (typeof segment === "number") return `${name}[${segment}]`;
    return name === "" ? String(segment) : `${name}.${String(segment)}`;
  }, "");
}
