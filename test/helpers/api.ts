import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { Db } from '../../src/core/db.ts';
import type { Client } from './http.ts';

/** Asserts a problem+json answer with this status and code, and returns the problem. */
export async function expectProblem(
  response: Response,
  status: number,
  code: string,
): Promise<Record<string, unknown>> {
  const text = await response.text();
  assert.equal(response.status, status, `expected ${status} ${code}, got ${response.status}: ${text}`);
  assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
  const problem = JSON.parse(text);
  assert.equal(problem.code, code, text);
  return problem;
}

/** Asserts a 2xx answer (printing the body otherwise) and returns the parsed JSON, if any. */
export async function expectOk(response: Response, status = 200): Promise<any> {
  const text = await response.text();
  assert.equal(response.status, status, `expected ${status}, got ${response.status}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/**
 * Every row of the users package's tables, in key order, to compare before and after a refused
 * request. Of sessions only which exist counts: last_seen_at may move on its own once a minute.
 */
export async function usersTablesSnapshot(db: Db) {
  return {
    users: await db.selectFrom('users').selectAll().orderBy('id').execute(),
    groups: await db.selectFrom('groups').selectAll().orderBy('id').execute(),
    user_groups: await db.selectFrom('user_groups').selectAll().orderBy('user_id').orderBy('group_id').execute(),
    group_permissions: await db
      .selectFrom('group_permissions')
      .selectAll()
      .orderBy('group_id')
      .orderBy('codename')
      .execute(),
    sessions: await db.selectFrom('sessions').select(['id_hash', 'user_id']).orderBy('id_hash').execute(),
  };
}

/** One refused request: who sends it, what, and the problem it must get. */
export interface ProblemScenario<Caller extends string> {
  name: string;
  as: Caller;
  method: string;
  path: string;
  init?: { json?: unknown; body?: string; form?: Record<string, string>; headers?: Record<string, string> };
  status: number;
  code: string;
}

/** Runs each scenario as a subtest, then asserts the users package's tables did not change. */
export async function runProblemScenarios<Caller extends string>(
  t: TestContext,
  db: Db,
  clients: Record<Caller, Client>,
  scenarios: ProblemScenario<Caller>[],
): Promise<void> {
  const before = await usersTablesSnapshot(db);
  for (const scenario of scenarios) {
    await t.test(`${scenario.name}: ${scenario.status} ${scenario.code}`, async () => {
      const response = await clients[scenario.as].request(scenario.path, { method: scenario.method, ...scenario.init });
      await expectProblem(response, scenario.status, scenario.code);
    });
  }
  assert.deepEqual(await usersTablesSnapshot(db), before);
}
