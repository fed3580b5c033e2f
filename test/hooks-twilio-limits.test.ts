import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { expectOk } from './helpers/api.ts';
import { floodFromAnotherProcess } from './helpers/flood.ts';
import { addHook, postHook, storedDeliveries, twilioHeaders } from './helpers/hooks.ts';
import { startTestServer } from './helpers/server.ts';

const AUTH_TOKEN = '0123456789abcdef0123456789abcdef';
const FORM = 'application/x-www-form-urlencoded';
const PROBE_BUDGET_MS = 20;
// Each forged call used to hold the event loop for 200 ms or more, so every round of the old
// code had a probe far over budget. On a machine shared with other work a probe can also wait
// for the CPU, so the same bodies go to a GitHub hook just before and just after each Twilio
// flood; it refuses them unread for want of its header: what receiving them costs any hook.
// The slower of the two is the round's measure of that cost, so which flood ran first (after
// the previous one's sender and garbage) never counts against the Twilio hook. One round within
// budget of it shows the Twilio hook answers on time while flooded; a slow round is tried
// again, at most this often in all.
const ROUNDS = 5;

/**
 * Posts six forms of 110,000 short parameters, just under the default 1 MiB body limit (what
 * took 200-400 ms each to parse and sort before the signature was looked at), from another
 * process, and times GET /healthz back to back meanwhile, so any stall of the event loop falls
 * in one probe. Answers the slowest probe, once every call was refused with signature_invalid.
 */
async function slowestProbeWhileFlooded(serverUrl: string, path: string, headers: Record<string, string>) {
  const flood = floodFromAnotherProcess({
    url: serverUrl + path,
    headers: { 'content-type': FORM, ...headers },
    count: 6,
    form: { part: 'k{i}=v', times: 110_000 },
  });
  let answered = false;
  const answers = flood.answers.finally(() => {
    answered = true;
  });
  await flood.sending;
  const probes: number[] = [];
  while (!answered || probes.length === 0) {
    const started = performance.now();
    await expectOk(await fetch(`${serverUrl}/healthz`));
    probes.push(performance.now() - started);
  }
  for (const { status, body } of await answers) {
    assert.equal(status, 401, body);
    assert.equal(JSON.parse(body).code, 'signature_invalid');
  }
  return Math.max(...probes);
}

describe('a Twilio hook flooded with large forged forms', () => {
  it('refuses each unparsed with signature_invalid, /healthz answering within 20 ms of its time for unread forms', async (t) => {
    const server = await startTestServer(t);
    const hook = await addHook(server.app, 'sms', 'twilio', AUTH_TOKEN);
    await addHook(server.app, 'gh', 'github');
    // The first request opens the connection the probes then reuse.
    await expectOk(await fetch(`${server.url}/healthz`));

    const rounds: { twilio: number; unread: number }[] = [];
    let unreadBefore = await slowestProbeWhileFlooded(server.url, '/hooks/gh', {});
    while (rounds.length < ROUNDS) {
      const forged = { 'x-twilio-signature': randomBytes(20).toString('base64') };
      const twilio = await slowestProbeWhileFlooded(server.url, '/hooks/sms', forged);
      const unreadAfter = await slowestProbeWhileFlooded(server.url, '/hooks/gh', {});
      const unread = Math.max(unreadBefore, unreadAfter);
      rounds.push({ twilio, unread });
      if (twilio - unread < PROBE_BUDGET_MS) break;
      unreadBefore = unreadAfter;
    }
    const report = rounds.map((r) => `${r.twilio.toFixed(1)} ms (${r.unread.toFixed(1)} ms unread)`).join(', ');
    assert.ok(
      rounds.some((r) => r.twilio - r.unread < PROBE_BUDGET_MS),
      `the slowest probe of each round: ${report}`,
    );
    assert.equal((await storedDeliveries(server.db, hook.id)).length, 0);

    // A real SMS still gets through.
    const sms = { MessageSid: 'SM0123456789abcdef0123456789abcdef', From: '+15005550006', Body: 'hello' };
    const signed = twilioHeaders(AUTH_TOKEN, `${server.url}/hooks/sms`, sms);
    await expectOk(await postHook(server.url, '/hooks/sms', new URLSearchParams(sms).toString(), signed), 202);
  });
});
