import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ValidateFunction } from 'ajv';
import { addHook, postHook, signedHeaders } from './helpers/hooks.ts';
import type { Client } from './helpers/http.ts';
import {
  createAjv,
  type JsonSchema,
  rawNumber,
  SchemaSamples,
  seededRandom,
  toJsonText,
  WIRE_JUNK,
} from './helpers/schema-samples.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';
import { adminNobodyAnonymous, createUser, OPERATOR, PASSWORD } from './helpers/users.ts';

// Sends generated valid and invalid input to every operation of /api/openapi.json, as an admin, as
// a user without any permission and anonymously, and holds each answer to the document: no 5xx,
// only documented statuses, and every body valid against the schema documented for its status and
// media type.

const SEED = Number(process.env.ENDPOINT_TEST_SEED ?? 20261129);
const BODY_LIMIT = 8192;
const HOOK = 'victim-hook';
// Nothing listens there: messages to it fail at once, and the subscription stays.
const RECEIVER = 'http://127.0.0.1:9/fuzz';

// Domain strings the schemas cannot tell the generator: they reach past the schema into the
// service (known handlers, declared codenames, durations, the admin's own credentials).
const EXAMPLES = ['root', PASSWORD, 'users.view', 'inbox', 'standard', HOOK, '30m', '0s', '3651d', '/legacy/path'];

// Bodies that get past each service's own rules, so the 2xx answers are exercised too.
const KNOWN_GOOD_BODIES: Record<string, Record<string, unknown>> = {
  'POST /api/v1/users/authenticate': { username: 'root', password: PASSWORD },
  'POST /api/v1/users/': { username: 'fuzzed2', password: PASSWORD, first_name: 'Fuzz' },
  'PATCH /api/v1/users/{id}': { first_name: 'Changed', active: true },
  'POST /api/v1/groups': { name: 'fuzzed', description: 'made by the fuzzer' },
  'PATCH /api/v1/groups/{id}': { description: 'changed' },
  'POST /api/v1/tokens': { name: 'fuzzed', scopes: ['users.view'], expires_in: '30d' },
  'POST /api/v1/hooks': { name: 'fuzzed-hook', handler: 'inbox', verify: 'standard' },
  'PATCH /api/v1/hooks/{name}': { handler: 'inbox', path: '/legacy/fuzzed' },
  'POST /api/v1/hooks/{name}/rotate-secret': { overlap: '1h' },
  'POST /api/v1/subscriptions': { url: RECEIVER, event_types: ['user.created'], description: 'fuzzed' },
  'PATCH /api/v1/subscriptions/{id}': { description: 'changed', event_types: ['*'] },
  'POST /api/v1/subscriptions/{id}/rotate-secret': { overlap: '1h' },
};

// Reads before writes, deletions after, logging out and in last: the admin keeps a session and
// the fixtures every later operation points at are recreated before each operation.
const ORDER = ['get', 'put', 'post', 'patch', 'delete'];
const LAST = ['/api/v1/users/logout', '/api/v1/users/authenticate'];

interface Operation {
  key: string;
  method: string;
  path: string;
  spec: JsonSchema;
}

interface Call {
  label: string;
  params: Record<string, string>;
  query: [string, string][];
  body?: { text: string; type: string };
  headers?: Record<string, string>;
}

interface Fixtures {
  userId: number;
  groupId: number;
  tokenId: number;
  deliveryId: number;
  subscriptionId: number;
  messageId: number;
}

function operations(document: JsonSchema): Operation[] {
  const all: Operation[] = [];
  for (const [path, item] of Object.entries<JsonSchema>(document.paths)) {
    for (const [method, spec] of Object.entries<JsonSchema>(item)) {
      if (ORDER.includes(method)) all.push({ key: `${method.toUpperCase()} ${path}`, method, path, spec });
    }
  }
  const rank = (op: Operation) =>
    LAST.includes(op.path) ? ORDER.length + LAST.indexOf(op.path) : ORDER.indexOf(op.method);
  return all.sort((a, b) => rank(a) - rank(b));
}

/** The rows path parameters point at, made again when an earlier operation deleted them. */
async function ensureFixtures(server: TestServer): Promise<Fixtures> {
  const { users, tokens, hooks } = server.app;
  const user = await users
    .getUserByUsername('victim')
    .catch(() => users.createUser(OPERATOR, { username: 'victim', password: PASSWORD }));
  const group = await users.getGroupByName('victims').catch(() => users.createGroup(OPERATOR, { name: 'victims' }));
  await users.addMember(OPERATOR, group.id, user.id);
  await users.grant(OPERATOR, group.id, 'users.view');
  const token = await tokens.create(OPERATOR, user.id, { name: 'victim', scopes: [] });
  let hook = await hooks.getHook(HOOK).catch(() => undefined);
  if (!hook) {
    const { id, secret } = await addHook(server.app, HOOK, 'standard');
    const payload = '{"fuzz":true}';
    await postHook(
      server.url,
      `/hooks/${HOOK}`,
      payload,
      await signedHeaders('standard', secret, `msg_${id}`, payload),
    );
    hook = await hooks.getHook(HOOK);
  }
  const delivery = await server.db
    .selectFrom('hook_deliveries')
    .select('id')
    .where('hook_id', '=', hook.id)
    .executeTakeFirstOrThrow();
  const { subscriptions } = server.app;
  const existing = (await subscriptions.list({ limit: 1, offset: 0 })).items.find((item) => item.enabled);
  const subscription =
    existing ?? (await subscriptions.create(OPERATOR, { url: RECEIVER, event_types: ['*'], description: 'victim' }));
  const message = await subscriptions.test(OPERATOR, subscription.id, 'all');
  return {
    userId: user.id,
    groupId: group.id,
    tokenId: token.id,
    deliveryId: delivery.id,
    subscriptionId: subscription.id,
    messageId: message.id,
  };
}

/** The fixture a path parameter names: `{id}` by the collection it is in. */
function fixtureValue(op: Operation, name: string, fixtures: Fixtures): string {
  if (name === 'codename') return 'users.view';
  if (name === 'name') return HOOK;
  if (name === 'userId') return String(fixtures.userId);
  const collection = op.path.split('/')[3];
  const ids: Record<string, number> = {
    users: fixtures.userId,
    groups: fixtures.groupId,
    tokens: fixtures.tokenId,
    deliveries: fixtures.deliveryId,
    subscriptions: fixtures.subscriptionId,
    messages: fixtures.messageId,
  };
  assert.ok(ids[collection], `no fixture for {${name}} in ${op.key}`);
  return String(ids[collection]);
}

function asWire(value: unknown): string {
  return typeof value === 'string' ? value : toJsonText(value);
}

const json = (value: unknown) => ({ text: toJsonText(value), type: 'application/json' });

/** Every request the fuzzer sends to one operation: valid ones first, then one change at a time. */
function calls(op: Operation, samples: SchemaSamples, fixtures: Fixtures): Call[] {
  const parameters: JsonSchema[] = op.spec.parameters ?? [];
  const pathParams = parameters.filter((p) => p.in === 'path');
  const queryParams = parameters.filter((p) => p.in === 'query');
  const params = Object.fromEntries(pathParams.map((p) => [p.name, fixtureValue(op, p.name, fixtures)]));
  const bodySchema: JsonSchema | undefined = op.spec.requestBody?.content?.['application/json']?.schema;
  const baseBody = bodySchema ? (KNOWN_GOOD_BODIES[op.key] ?? samples.object(bodySchema, 'plain')) : undefined;
  const body = baseBody === undefined ? undefined : json(baseBody);
  const result: Call[] = [
    { label: 'valid', params, query: [], body },
    { label: 'a bad bearer token', params, query: [], body, headers: { authorization: 'Bearer ep_not-a-token' } },
  ];
  if (op.method !== 'get') {
    result.push({
      label: 'from another site',
      params,
      query: [],
      body,
      headers: { origin: 'https://elsewhere.example' },
    });
  }

  for (const p of queryParams) {
    for (const value of samples.valid(p.schema).slice(0, 4)) {
      result.push({ label: `valid ?${p.name}`, params, query: [[p.name, asWire(value)]], body });
    }
    const wire = new Set([...samples.invalid(p.schema).map(asWire), ...WIRE_JUNK, '']);
    for (const value of wire) result.push({ label: `?${p.name}`, params, query: [[p.name, value]], body });
    result.push({
      label: `?${p.name} twice`,
      params,
      query: [
        [p.name, '1'],
        [p.name, '2'],
      ],
      body,
    });
  }
  if (queryParams.length > 0) {
    const query = queryParams.map((p): [string, string] => [p.name, asWire(samples.pick(samples.valid(p.schema)))]);
    result.push({ label: 'valid query', params, query, body });
  }

  for (const p of pathParams) {
    // An empty segment would be another route, not a value of this one.
    const wire = new Set([...samples.invalid(p.schema).map(asWire), ...WIRE_JUNK].filter((value) => value !== ''));
    for (const value of wire) result.push({ label: `{${p.name}}`, params: { ...params, [p.name]: value }, query: [] });
  }

  if (bodySchema && baseBody) {
    for (const value of samples.valid(bodySchema))
      result.push({ label: 'valid body', params, query: [], body: json(value) });
    for (const [name, property] of Object.entries<JsonSchema>(bodySchema.properties ?? {})) {
      for (const value of samples.invalid(property).slice(0, 12)) {
        result.push({ label: `body.${name}`, params, query: [], body: json({ ...baseBody, [name]: value }) });
      }
    }
    for (const name of bodySchema.required ?? []) {
      const { [name]: _, ...rest } = baseBody;
      result.push({ label: `body without ${name}`, params, query: [], body: json(rest) });
    }
    result.push({ label: 'body with an extra field', params, query: [], body: json({ ...baseBody, extra: 1 }) });
    for (const value of [null, [], 'text', 5, rawNumber('1e309')]) {
      result.push({ label: 'body of another type', params, query: [], body: json(value) });
    }
  }
  if (op.method !== 'get') {
    const transport: [string, string, string][] = [
      ['no body', '', ''],
      ['invalid JSON', '{"a":', 'application/json'],
      ['empty JSON', '', 'application/json'],
      ['plain text', 'hello', 'text/plain'],
      ['a form', 'a=1', 'application/x-www-form-urlencoded'],
      ['a body over the limit', toJsonText({ pad: 'p'.repeat(BODY_LIMIT) }), 'application/json'],
    ];
    for (const [label, text, type] of transport) {
      result.push({ label, params, query: [], body: type ? { text, type } : undefined });
    }
  }
  return result;
}

function url(op: Operation, call: Call): string {
  const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(call.params[name]));
  const query = new URLSearchParams(call.query).toString();
  return query ? `${path}?${query}` : path;
}

/** Logs a caller in again when an operation ended their session (logging out does). */
async function stayLoggedIn(client: Client, username: string): Promise<void> {
  if ((await client.get('/api/v1/users/authenticated_user')).status !== 200) await client.login(username, PASSWORD);
}

/** Why an answer breaks the document, or undefined when it keeps to it. */
async function breach(
  op: Operation,
  response: Response,
  validator: (schema: JsonSchema) => ValidateFunction,
): Promise<string | undefined> {
  const text = await response.text();
  const { status } = response;
  if (status >= 500) return `answered ${status}: ${text.slice(0, 300)}`;
  const documented = op.spec.responses[String(status)];
  if (!documented) return `answered ${status}, which it does not document: ${text.slice(0, 300)}`;
  if (text === '') return undefined;
  const type = (response.headers.get('content-type') ?? '').split(';')[0].trim();
  const schema = documented.content?.[type]?.schema;
  if (!schema) return `answered ${status} as ${type}, which it does not document`;
  const validate = validator(schema);
  if (!validate(JSON.parse(text))) {
    return `answered ${status} with a body its schema refuses (${JSON.stringify(validate.errors?.slice(0, 3))}): ${text.slice(0, 300)}`;
  }
  return undefined;
}

describe('the API against its OpenAPI document', () => {
  it('answers generated valid and invalid input to every operation only as documented, never with a 5xx', async (t) => {
    const server = await startTestServer(t, {
      env: { ENDPOINT_BODY_LIMIT: String(BODY_LIMIT), ENDPOINT_EVENTS_ALLOWED_NETWORKS: '127.0.0.0/8' },
    });
    // Boundary ids (1) point at rows no caller depends on.
    await createUser(server.app, 'first');
    await server.app.users.createGroup(OPERATOR, { name: 'first' });
    const callers = await adminNobodyAnonymous(server);
    const { admin, nobody } = callers;

    const document = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as JsonSchema;
    const ajv = createAjv();
    const validators = new Map<JsonSchema, ValidateFunction>();
    const validator = (schema: JsonSchema) => {
      if (!validators.has(schema)) validators.set(schema, ajv.compile(schema));
      return validators.get(schema) as ValidateFunction;
    };
    const samples = new SchemaSamples(ajv, seededRandom(SEED), EXAMPLES);

    const breaches: string[] = [];
    const statuses = new Map<number, number>();
    const ops = operations(document);
    assert.ok(ops.length >= 30, `only ${ops.length} operations in the document`);
    for (const op of ops) {
      const fixtures = await ensureFixtures(server);
      await stayLoggedIn(admin, 'root');
      await stayLoggedIn(nobody, 'nobody');
      for (const call of calls(op, samples, fixtures)) {
        for (const [caller, client] of Object.entries(callers)) {
          const headers = { ...(call.body?.type ? { 'content-type': call.body.type } : {}), ...call.headers };
          const response = await client.request(url(op, call), {
            method: op.method.toUpperCase(),
            headers,
            body: call.body?.text,
          });
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          const why = await breach(op, response, validator);
          if (why) breaches.push(`${op.key} as ${caller}, ${call.label} (${url(op, call).slice(0, 120)}): ${why}`);
        }
      }
    }
    t.diagnostic(`seed ${SEED}; answers by status: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
    assert.deepEqual(breaches, []);
    for (const status of [200, 201, 204, 400, 401, 403, 404, 409, 413, 414, 415]) {
      assert.ok(statuses.has(status), `no operation answered ${status}: the run does not reach it`);
    }
  });
});
