import { NotLeaderError } from '@kf/protocol';
import { describe, expect, test } from 'vitest';
import { errorFromThrown } from '../src/error-mapping.js';

const target = { topic: 'orders', partition: 2, nodeId: 1, operation: 'fetch orders/2 at 0' };

/** What @platformatic/kafka throws when no broker could be connected: each one's reason nested. */
function cannotConnect(reason: Error): Error {
  return Object.assign(new AggregateError([reason], 'Cannot connect to any broker.'), {
    code: 'PLT_KFK_MULTIPLE',
  });
}

describe('TLS failures, as the worker sees them', () => {
  test.each([
    ['CERT_HAS_EXPIRED', 'certificate has expired'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'wrong version number'],
  ])(
    '%s is a broker that cannot be reached (retried, no attempt spent), its reason kept',
    (code, message) => {
      const tls = Object.assign(new Error(message), { code });
      const mapped = errorFromThrown(cannotConnect(tls), target);
      expect(mapped).toBeInstanceOf(NotLeaderError);
      expect(mapped).toMatchObject({ reason: 'broker-unreachable', topic: 'orders', partition: 2 });
      expect((mapped as Error).cause).toBe(tls);
    },
  );
});
