import type { TSchema } from 'typebox';
import { Value } from 'typebox/value';
import type { AdminChoice, AdminContext, AdminForm, AdminWidget } from '../../core/admin.ts';

/** A form field as the form template shows it. */
export interface FormField {
  name: string;
  label: string;
  widget: AdminWidget;
  help?: string;
  required: boolean;
  maxLength?: number;
  choices: AdminChoice[];
  /** What the input shows: the typed or starting value (never a password). */
  value: string;
  /** For checkbox and checklist. */
  checked: ReadonlySet<string>;
  error?: string;
}

interface JsonSchema {
  type?: string;
  format?: string;
  maxLength?: number;
  const?: unknown;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  items?: JsonSchema;
}

function words(name: string): string {
  const text = name.replace(/_/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The widget a property's schema calls for when the model names none. */
function widgetOf(name: string, schema: JsonSchema): AdminWidget {
  if (name.includes('password')) return 'password';
  if (schema.type === 'boolean') return 'checkbox';
  if (schema.type === 'integer' || schema.type === 'number') return 'number';
  if (schema.type === 'array') return 'checklist';
  if (schema.enum || schema.anyOf?.every((option) => option.const !== undefined)) return 'select';
  if (schema.format === 'email' || schema.anyOf?.some((option) => option.format === 'email')) return 'email';
  return (schema.maxLength ?? 0) > 255 ? 'textarea' : 'text';
}

function maxLengthOf(schema: JsonSchema): number | undefined {
  return schema.maxLength ?? schema.anyOf?.find((option) => option.maxLength !== undefined)?.maxLength;
}

function schemaChoices(schema: JsonSchema): AdminChoice[] {
  const values = schema.enum ?? schema.anyOf?.map((option) => option.const) ?? schema.items?.enum ?? [];
  return values.filter((value) => value !== undefined).map((value) => ({ value: String(value), label: String(value) }));
}

/** The form's fields in the schema's order, less those it omits, with their choices read. */
export async function formFields(form: AdminForm, context: AdminContext): Promise<FormField[]> {
  const { properties, required = [] } = form.schema as unknown as {
    properties: Record<string, JsonSchema>;
    required?: string[];
  };
  const fields: FormField[] = [];
  for (const [name, schema] of Object.entries(properties)) {
    if (form.omit?.includes(name)) continue;
    const options = form.fields?.[name] ?? {};
    if (options.permission !== undefined && !(await context.can(options.permission))) continue;
    const choices =
      typeof options.choices === 'function'
        ? await options.choices(context)
        : (options.choices ?? schemaChoices(schema));
    fields.push({
      name,
      label: options.label ?? words(name),
      widget: options.widget ?? widgetOf(name, schema),
      help: options.help,
      required: required.includes(name),
      maxLength: maxLengthOf(schema),
      choices,
      value: '',
      checked: new Set(),
    });
  }
  return fields;
}

/** Fills the fields with values (the starting ones, or those posted back); passwords stay empty. */
export function withValues(fields: FormField[], values: Record<string, unknown>): FormField[] {
  return fields.map((field) => {
    const value = values[field.name];
    if (field.widget === 'checklist') {
      return { ...field, checked: new Set(Array.isArray(value) ? value.map(String) : []) };
    }
    if (field.widget === 'checkbox') return { ...field, checked: new Set(value === true ? ['on'] : []) };
    if (field.widget === 'password' || value === undefined || value === null) return { ...field, value: '' };
    return { ...field, value: String(value) };
  });
}

type Posted = Record<string, string | string[] | undefined>;

function single(value: string | string[] | undefined): string {
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
}

/**
 * The posted form as the schema's values: checkboxes true or false, checklists the ticked choices
 * the field offers, numbers as numbers, and an empty optional field left out unless the schema
 * takes '' (an email cleared) — a password left empty is kept as it was.
 */
export function parsePosted(fields: FormField[], schema: TSchema, body: Posted): Record<string, unknown> {
  const properties = (schema as unknown as { properties: Record<string, TSchema> }).properties;
  const values: Record<string, unknown> = {};
  for (const field of fields) {
    const raw = body[field.name];
    if (field.widget === 'checkbox') {
      values[field.name] = raw !== undefined;
      continue;
    }
    if (field.widget === 'checklist') {
      const offered = new Set(field.choices.map((choice) => choice.value));
      values[field.name] = [raw ?? []].flat().filter((value) => offered.has(value));
      continue;
    }
    const text = single(raw);
    if (text === '' && !field.required && (field.widget === 'password' || !Value.Check(properties[field.name], ''))) {
      continue;
    }
    values[field.name] =
      field.widget === 'number' && text !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
  }
  return values;
}

interface SchemaError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
}

function friendly(error: SchemaError, field: FormField | undefined): string {
  const limit = error.params.limit;
  switch (error.keyword) {
    case 'required':
      return 'This field is required.';
    case 'minLength':
      return limit === 1 ? 'This field is required.' : `At least ${limit} characters.`;
    case 'maxLength':
      return `At most ${limit} characters.`;
    case 'format':
      return error.params.format === 'email' ? 'Enter a valid email address.' : `Enter a valid ${error.params.format}.`;
    case 'pattern':
      return field?.help ?? 'This contains characters that are not allowed here.';
    default:
      return field?.widget === 'email' ? 'Enter a valid email address.' : 'This value is not valid.';
  }
}

/** The first error of each field, by field name; empty when the values pass the schema. */
export function fieldErrors(
  fields: FormField[],
  schema: TSchema,
  values: Record<string, unknown>,
): Map<string, string> {
  const errors = new Map<string, string>();
  const byName = new Map(fields.map((field) => [field.name, field]));
  for (const error of Value.Errors(schema, values) as Iterable<SchemaError>) {
    const names =
      error.keyword === 'required'
        ? ((error.params.requiredProperties as string[] | undefined) ?? [])
        : [error.instancePath.split('/')[1] ?? ''];
    for (const name of names) {
      // anyOf reports each branch, then itself: the branch that explains most comes first.
      if (errors.has(name) || error.keyword === 'const') continue;
      errors.set(name, friendly(error, byName.get(name)));
    }
  }
  return errors;
}
