import { randomUUID } from 'node:crypto';
import { type RedisSingle, startRedisSingle } from '@kf/devstack';
import { rejectionOf } from '@kf/protocol/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { errorAndLifecycleCases } from '../src/testkit/cases/errors-and-lifecycle.js';
import { scriptCases } from '../src/testkit/cases/scripts.js';
import { type ConformanceCase, runCase } from '../src/testkit/context.js';
import { caseNamed, type StubFlaws, stubRedis } from './support/stub-redis.js';

const password = `cases-pw-${randomUUID()}`;
let server: RedisSingle;
beforeAll(async () => {
  server = await startRedisSingle({ password });
});
afterAll(() => server?.stop());

const address = () => ({ host: server.info.host, port: server.info.port, password });

const run = (testCase: ConformanceCase, flaws: StubFlaws = {}) =>
  runCase(
    testCase,
    (settings) => stubRedis(address(), 'single', settings, flaws),
    { name: 'stub', topology: 'single', probe: address() },
    expect,
  );

// The reworded replies keep their first word: the cases compare the whole reply, so a
// check of the prefix alone would not be what fails them.
describe.each([
  { cases: errorAndLifecycleCases, name: 'a server error reply rejects with CommandError' },
  { cases: scriptCases, name: 'a script returning an error reply' },
  { cases: scriptCases, name: 'a script failing at run time' },
])('the case $name', ({ cases, name }) => {
  const replyCase = caseNamed(cases, name);

  test("passes on an adapter that keeps the server's reply as serverMessage", async () => {
    await run(replyCase);
  });

  test('fails on an adapter that rewords the reply, its first word kept', async () => {
    const failure = await rejectionOf(run(replyCase, { rewordsReplies: true }));
    // Runners cut long values short: the start of each is all a message is sure to show.
    expect(String(failure)).toMatch(
      /^AssertionError: expected '(WRONGTYPE operation|KF_EPOCH stale leader \(reworded\)).*' to be '(WRONGTYPE Operation|KF_EPOCH stale leader')/,
    );
  });
});
