import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestServer } from './helpers/server.ts';

// Every route of the users package's API, as OpenAPI spells paths.
const USERS_API: Record<string, string[]> = {
  '/api/v1/users/authenticate': ['post'],
  '/api/v1/users/logout': ['post'],
  '/api/v1/users/authenticated_user': ['get'],
  '/api/v1/users/': ['get', 'post'],
  '/api/v1/users/{id}': ['delete', 'get', 'patch'],
  '/api/v1/groups': ['get', 'post'],
  '/api/v1/groups/{id}': ['delete', 'get', 'patch'],
  '/api/v1/groups/{id}/members': ['get'],
  '/api/v1/groups/{id}/members/{userId}': ['delete', 'put'],
  '/api/v1/groups/{id}/permissions': ['get'],
  '/api/v1/groups/{id}/permissions/{codename}': ['delete', 'put'],
  '/api/v1/permissions': ['get'],
};

// Every route of the hooks package's API.
const HOOKS_API: Record<string, string[]> = {
  '/api/v1/hooks': ['get', 'post'],
  '/api/v1/hooks/{name}': ['delete', 'get', 'patch'],
  '/api/v1/hooks/{name}/rotate-secret': ['post'],
  '/api/v1/hooks/{name}/deliveries': ['get'],
  '/api/v1/deliveries/{id}': ['get'],
  '/api/v1/deliveries/{id}/replay': ['post'],
};

const CHECKED_API = { ...USERS_API, ...HOOKS_API };

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, any>>;
}

async function openApiDocument(url: string): Promise<OpenApiDocument> {
  const response = await fetch(`${url}/api/openapi.json`);
  assert.equal(response.status, 200);
  return (await response.json()) as OpenApiDocument;
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);

describe('the OpenAPI document', () => {
  it('lists every /api/v1 route with its methods', async (t) => {
    const server = await startTestServer(t);
    const document = await openApiDocument(server.url);

    assert.match(document.openapi, /^3\./);
    const { paths } = document;
    for (const [path, methods] of Object.entries(CHECKED_API)) {
      assert.ok(paths[path], `${path} is missing`);
      assert.deepEqual(
        Object.keys(paths[path])
          .filter((key) => METHODS.has(key))
          .sort(),
        methods,
        path,
      );
    }
  });

  it('documents each users and hooks API operation with a tag and its problem+json errors', async (t) => {
    const server = await startTestServer(t);
    const document = await openApiDocument(server.url);

    for (const [path, methods] of Object.entries(CHECKED_API)) {
      for (const method of methods) {
        const operation = document.paths[path][method];
        const where = `${method.toUpperCase()} ${path}`;
        assert.ok(operation.tags?.length, `${where} has no tag`);
        const statuses = Object.keys(operation.responses);
        assert.ok(
          statuses.some((status) => status.startsWith('2')),
          `${where} documents no success`,
        );
        for (const status of statuses.filter((status) => Number(status) >= 400)) {
          const schema = operation.responses[status].content?.['application/problem+json']?.schema;
          assert.ok(schema?.properties?.code, `${where} ${status} is not a problem`);
        }
      }
    }
  });

  it('documents 414 wherever a path has a parameter, 413 and 415 wherever a body goes, 401 everywhere', async (t) => {
    const server = await startTestServer(t);
    const document = await openApiDocument(server.url);

    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations).filter(([key]) => METHODS.has(key))) {
        const statuses = Object.keys(operation.responses);
        const where = `${method.toUpperCase()} ${path}`;
        assert.ok(statuses.includes('401'), `${where} does not document 401`);
        if (path.includes('{')) assert.ok(statuses.includes('414'), `${where} does not document 414`);
        if (method !== 'get') {
          for (const status of ['400', '403', '413', '415']) {
            assert.ok(statuses.includes(status), `${where} does not document ${status}`);
          }
        }
      }
    }
  });

  it('serves the browsable docs as HTML at /api/docs', async (t) => {
    const server = await startTestServer(t);
    const response = await fetch(`${server.url}/api/docs`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(await response.text(), /<html/i);
  });
});
