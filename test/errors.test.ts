import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestServer } from './helpers/server.ts';

const PROBLEM = 'application/problem+json; charset=utf-8';
const HTML = 'text/html; charset=utf-8';

describe('errors a client can provoke anywhere', () => {
  const scenarios: { name: string; method?: string; path: string; status: number; type: string; code?: string }[] = [
    { name: 'an unknown API route', path: '/api/v1/nothing-here', status: 404, type: PROBLEM, code: 'not_found' },
    { name: 'an unknown page', path: '/nothing-here', status: 404, type: HTML },
    {
      name: 'a malformed URL on the API',
      path: '/api/v1/users/%E0%A4%A',
      status: 400,
      type: PROBLEM,
      code: 'bad_request',
    },
    { name: 'a malformed URL on a page', path: '/user/%E0%A4%A', status: 400, type: HTML },
    {
      name: 'an over-long path segment',
      method: 'PUT',
      path: `/api/v1/groups/1/permissions/${'x'.repeat(150)}`,
      status: 414,
      type: PROBLEM,
      code: 'uri_too_long',
    },
  ];

  for (const scenario of scenarios) {
    it(`answers ${scenario.name} with ${scenario.status} and no stack trace`, async (t) => {
      const server = await startTestServer(t);
      const response = await fetch(server.url + scenario.path, { method: scenario.method ?? 'GET' });
      assert.equal(response.status, scenario.status);
      assert.equal(response.headers.get('content-type'), scenario.type);
      const body = await response.text();
      assert.doesNotMatch(body, /\bat \S+ \(|node_modules/);
      if (scenario.code) assert.equal(JSON.parse(body).code, scenario.code);
    });
  }
});
