import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

// A small, seeded generator of values from the JSON schemas of an OpenAPI document, for the
// spec-driven test: boundary values around each limit, wrong types, and values its schema refuses.
// Written by hand because fast-check has no JSON Schema arbitrary, and what finds bugs here is
// each limit's edges (min-1, max+1, 1e309, NUL), which a schema-to-arbitrary bridge would still
// have to list by hand; a seed (ENDPOINT_TEST_SEED) replays a run.

/** A schema as the OpenAPI document spells it. */
export type JsonSchema = { [keyword: string]: any };

/** mulberry32: a tiny PRNG, so a seed replays the same run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Ajv for OpenAPI 3.0 schemas: formats checked, `nullable` understood, descriptions ignored. */
export function createAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  return ajv;
}

const RAW = '\u0000raw:';

/** A number JSON.stringify cannot spell (`1e309`), spelled out as is by `toJsonText`. */
export function rawNumber(text: string): string {
  return `${RAW}${text}`;
}

/** JSON text of a value, with its `rawNumber`s written as bare numbers. */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value).replace(/"\\u0000raw:([^"]*)"/g, '$1');
}

/** Strings no schema would take from a URL where a number, a name or a codename belongs. */
export const WIRE_JUNK = [
  '1e309',
  '-1e309',
  'Infinity',
  'NaN',
  '-0',
  '1.5',
  '0',
  '-1',
  '2147483648',
  '9'.repeat(30),
  '0x10',
  ' 1',
  'abc',
  'true',
  '\u0000',
  'é漢🙂',
  'x'.repeat(101),
  'x'.repeat(3000),
];

const WRONG_TYPES = [true, null, [], {}, 7, 'x'];

/**
 * Valid and invalid values of a schema. Candidates come from the schema's own limits and from
 * `examples` (domain strings: names, codenames, durations); Ajv sorts them into those the schema
 * takes and those it refuses.
 */
export class SchemaSamples {
  readonly #ajv: Ajv;
  readonly #random: () => number;
  readonly #examples: readonly string[];
  readonly #validators = new WeakMap<JsonSchema, ValidateFunction>();

  constructor(ajv: Ajv, random: () => number, examples: readonly string[]) {
    this.#ajv = ajv;
    this.#random = random;
    this.#examples = examples;
  }

  /** One of `items`, by the seeded generator. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.#random() * items.length)];
  }

  accepts(schema: JsonSchema, value: unknown): boolean {
    let validate = this.#validators.get(schema);
    if (!validate) {
      validate = this.#ajv.compile(schema);
      this.#validators.set(schema, validate);
    }
    // A raw number stands for a non-finite one: no schema takes it.
    return !JSON.stringify(value ?? null).includes('\\u0000raw:') && validate(value);
  }

  /** Values the schema takes: the first is the plainest, the rest vary. */
  valid(schema: JsonSchema): unknown[] {
    if (schema.type === 'object' && schema.properties) {
      return [this.object(schema, 'plain'), this.object(schema, 'all'), this.object(schema, 'random')];
    }
    return this.#candidates(schema).filter((value) => this.accepts(schema, value));
  }

  /** Values the schema refuses, boundary and wrong-typed ones first. */
  invalid(schema: JsonSchema): unknown[] {
    return [...this.#candidates(schema), ...WRONG_TYPES].filter((value) => !this.accepts(schema, value));
  }

  /** An object the schema takes: required properties only, every property, or a random mix. */
  object(schema: JsonSchema, mode: 'plain' | 'all' | 'random'): Record<string, unknown> {
    const required = new Set<string>(schema.required ?? []);
    const value: Record<string, unknown> = {};
    for (const [name, property] of Object.entries<JsonSchema>(schema.properties ?? {})) {
      const include = required.has(name) || mode === 'all' || (mode === 'random' && this.#random() < 0.5);
      if (!include) continue;
      const choices = this.valid(property);
      if (choices.length > 0) value[name] = mode === 'plain' ? choices[0] : this.pick(choices);
    }
    return value;
  }

  #candidates(schema: JsonSchema): unknown[] {
    const members = schema.anyOf ?? schema.oneOf;
    if (members) return [...new Set(members.flatMap((member: JsonSchema) => this.#candidates(member)))];
    const values: unknown[] = [...(schema.enum ?? []), ...(schema.nullable ? [null] : [])];
    switch (schema.type) {
      case 'integer':
      case 'number':
        return [...values, ...this.#numbers(schema)];
      case 'string':
        return [...values, ...this.#strings(schema)];
      case 'boolean':
        return [...values, true, false, 'true', 0];
      case 'array':
        return [...values, ...this.#arrays(schema)];
      case 'object':
        return [...values, ...(schema.properties ? this.valid(schema) : [{}, { key: 'value' }])];
      default:
        return [...values, null];
    }
  }

  #numbers(schema: JsonSchema): unknown[] {
    const min: number = schema.minimum ?? -(2 ** 31);
    const max: number = schema.maximum ?? 2 ** 31;
    const inside = min + Math.floor(this.#random() * (max - min + 1));
    return [
      min,
      max,
      inside,
      min + 1,
      min - 1,
      max + 1,
      1.5,
      -0,
      2 ** 53,
      -(2 ** 53),
      rawNumber('1e309'),
      rawNumber('-1e309'),
      String(min),
    ];
  }

  #strings(schema: JsonSchema): unknown[] {
    const min: number = schema.minLength ?? 0;
    const max: number = schema.maxLength ?? 300;
    const word = `fuzz-${Math.floor(this.#random() * 1e9).toString(36)}`;
    const formatted = schema.format === 'date-time' ? ['2026-01-01T00:00:00.000Z', 'yesterday'] : [];
    const emails = schema.format === 'email' ? [`${word}@example.com`, 'not-an-email'] : [];
    return [
      ...this.#examples,
      ...formatted,
      ...emails,
      word,
      '',
      'a',
      'x'.repeat(Math.max(min, 1)),
      'y'.repeat(max),
      'z'.repeat(max + 1),
      'nul\u0000byte',
      'é漢🙂',
      ' ',
      '../..',
      '<b>',
      'w'.repeat(5000),
    ];
  }

  #arrays(schema: JsonSchema): unknown[] {
    const items: JsonSchema = schema.items ?? {};
    const good = this.valid(items);
    const bad = this.invalid(items);
    const tooMany = schema.maxItems === undefined ? [] : [Array(schema.maxItems + 1).fill(good[0] ?? 'x')];
    return [[], good.slice(0, 1), good.slice(0, 3), ...tooMany, ...bad.slice(0, 3).map((value) => [value])];
  }
}
