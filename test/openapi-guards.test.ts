import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestServer } from './helpers/server.ts';
import { adminNobodyAnonymous } from './helpers/users.ts';

// Drives every operation of /api/openapi.json with input its schema refuses, to hold the /api
// scope to its order: who the caller is and what they hold is settled before their input is read.

// The only operations anyone may call; every other one documents the callers it needs.
const PUBLIC = ['POST /api/v1/users/authenticate', 'POST /api/v1/users/logout'];

interface Parameter {
  in: string;
  name: string;
  schema: { type?: string };
}

interface OpenApiDocument {
  paths: Record<string, Record<string, Operation['spec']>>;
}

interface Operation {
  key: string;
  method: string;
  path: string;
  spec: { security?: unknown[]; 'x-permission'?: string; parameters?: Parameter[]; requestBody?: unknown };
}

interface BadRequest {
  url: string;
  init: RequestInit;
  /** False for an operation that takes no input at all (`GET /users/authenticated_user`). */
  invalid: boolean;
}

function operations(document: OpenApiDocument): Operation[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, spec]) => ({ key: `${method.toUpperCase()} ${path}`, method, path, spec })),
  );
}

/**
 * The operation called with every part its schema checks made invalid: a path or query integer
 * that is not a number, a path string holding NUL, an array for a JSON object body.
 */
function badRequest({ method, path, spec }: Operation): BadRequest {
  const parameters = spec.parameters ?? [];
  const badValue = (parameter: Parameter) => (parameter.schema.type === 'string' ? '%00' : 'x');
  let url = path;
  for (const parameter of parameters.filter((p) => p.in === 'path')) {
    url = url.replace(`{${parameter.name}}`, badValue(parameter));
  }
  const query = parameters.filter((p) => p.in === 'query' && p.schema.type === 'integer');
  if (query.length > 0) url += `?${query.map((p) => `${p.name}=x`).join('&')}`;
  const init: RequestInit = { method: method.toUpperCase() };
  if (spec.requestBody) Object.assign(init, { body: '[]', headers: { 'content-type': 'application/json' } });
  return { url, init, invalid: url !== path || spec.requestBody !== undefined };
}

async function problemCode(response: Response): Promise<string> {
  return ((await response.json()) as { code: string }).code;
}

describe('guards on the API, from its OpenAPI document', () => {
  it('answers 401 to anonymous callers and 403 to callers without the permission, before reading bad input, on every operation', async (t) => {
    const server = await startTestServer(t);
    const { admin, nobody, anonymous } = await adminNobodyAnonymous(server);
    const document = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as OpenApiDocument;

    const all = operations(document);
    const guarded = all.filter((op) => op.spec.security !== undefined);
    assert.deepEqual(
      all.filter((op) => op.spec.security === undefined).map((op) => op.key),
      PUBLIC,
      'every other operation documents the callers it needs',
    );
    const withPermission = guarded.filter((op) => op.spec['x-permission'] !== undefined);
    assert.ok(withPermission.length >= 20, `only ${withPermission.length} operations document a permission`);

    for (const op of guarded) {
      const { url, init, invalid } = badRequest(op);
      if (invalid) {
        // The admin holds every permission: the request must be one its schema refuses.
        const permitted = await admin.request(url, init);
        assert.equal(permitted.status, 400, `${op.key} as admin: ${await permitted.text()}`);
      }

      const anonymousAnswer = await anonymous.request(url, init);
      assert.equal(anonymousAnswer.status, 401, `${op.key} anonymously`);
      assert.equal(await problemCode(anonymousAnswer), 'unauthenticated', op.key);

      if (op.spec['x-permission'] === undefined) continue;
      const forbidden = await nobody.request(url, init);
      assert.equal(forbidden.status, 403, `${op.key} without ${op.spec['x-permission']}`);
      assert.equal(await problemCode(forbidden), 'forbidden', op.key);
    }
  });
});
