/** Flattens a JSON Schema object into rows of dotted field paths, for the readable API reference. */
export type FieldRow = { path: string; type: string; required: boolean; description: string };

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  enum?: unknown[];
  description?: string;
  example?: unknown;
  anyOf?: Schema[];
  $ref?: string;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  default?: unknown;
};

function describe(schema: Schema) {
  const parts: string[] = [];
  if (schema.description) parts.push(schema.description);
  if (schema.enum) parts.push(`one of ${schema.enum.map((v) => JSON.stringify(v)).join(", ")}`);
  if (schema.format) parts.push(schema.format);
  if (schema.maxLength !== undefined) parts.push(`≤ ${schema.maxLength} chars`);
  if (schema.default !== undefined) parts.push(`default ${JSON.stringify(schema.default)}`);
  if (schema.example !== undefined) parts.push(`e.g. ${JSON.stringify(schema.example)}`);
  return parts.join("; ");
}

function typeOf(schema: Schema): string {
  if (schema.$ref) return schema.$ref.split("/").pop()!;
  if (schema.anyOf) return schema.anyOf.map(typeOf).join(" | ");
  return Array.isArray(schema.type) ? schema.type.join(" | ") : (schema.type ?? "any");
}

export function fieldRows(schema: Schema, prefix = ""): FieldRow[] {
  const rows: FieldRow[] = [];
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    const path = prefix ? `${prefix}.${name}` : name;
    const nullable = child.anyOf?.find((s) => s.type !== "null");
    const effective = nullable && child.anyOf?.length === 2 ? nullable : child;
    rows.push({
      path,
      type: typeOf(child),
      required: (schema.required ?? []).includes(name),
      description: describe(effective),
    });
    if (effective.properties) rows.push(...fieldRows(effective, path));
  }
  return rows;
}
