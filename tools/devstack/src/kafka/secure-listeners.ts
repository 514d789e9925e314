import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type SASLOptions } from 'kafkajs';
import type { KafkaKeystores } from './keystores.js';
import { runKafkaTool } from './tools.js';

/** A user and password a SASL mechanism of the devstack's broker accepts. */
export interface KafkaCredentials {
  username: string;
  password: string;
}

/**
 * How clients reach the secured listeners of a devstack Kafka started with `secure: true`.
 * Every secret is random per run.
 */
export interface KafkaSecureInfo {
  /** `host:port` of every broker's TLS listener (server certificate only, no client certificate). */
  tlsBrokers: string[];
  /** `host:port` of every broker's SASL_SSL listener: SCRAM-SHA-512 and PLAIN over TLS. */
  saslBrokers: string[];
  /** PEM of the CA that signed the brokers' certificate (`ssl: { ca: [caPem] }`). */
  caPem: string;
  /** PEM of a CA that signed nothing the brokers present: trusting only it must fail. */
  otherCaPem: string;
  /** A SCRAM-SHA-512 user, created through the broker once it was up. */
  scram: KafkaCredentials;
  /** A PLAIN user, from the listener's JAAS configuration. */
  plain: KafkaCredentials;
}

/** The secrets a secured start makes before the brokers are configured. */
export interface SecureSetup {
  keystores: KafkaKeystores;
  scram: KafkaCredentials;
  plain: KafkaCredentials;
}

export function newCredentials(username: string): KafkaCredentials {
  return { username, password: randomBytes(18).toString('base64url') };
}

/** `server.properties` lines adding a TLS listener and a SASL_SSL one beside the rest. */
export function secureListenerLines(setup: SecureSetup): string[] {
  const { keystores, plain } = setup;
  return [
    'ssl.keystore.type=PKCS12',
    `ssl.keystore.location=${keystores.keystore}`,
    `ssl.keystore.password=${keystores.keystorePassword}`,
    `ssl.key.password=${keystores.keystorePassword}`,
    'ssl.client.auth=none',
    'sasl.enabled.mechanisms=SCRAM-SHA-512,PLAIN',
    'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
    `listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${plain.username}="${plain.password}";`,
  ];
}

/**
 * Creates the SCRAM user through the running cluster, as an operator would with
 * `kafka-configs.sh --alter --add-config SCRAM-SHA-512=[…]`, over the plaintext listener.
 */
export async function createScramUser(
  plaintextBrokers: string[],
  user: KafkaCredentials,
): Promise<void> {
  await runKafkaTool(
    'kafka-configs',
    [
      '--bootstrap-server',
      plaintextBrokers.join(','),
      '--alter',
      '--add-config',
      `SCRAM-SHA-512=[iterations=4096,password=${user.password}]`,
      '--entity-type',
      'users',
      '--entity-name',
      user.username,
    ],
    { secret: user.password },
  );
}

/**
 * Ready when a client logs in with both mechanisms over TLS on every broker: SCRAM
 * credentials reach each broker through the cluster metadata a moment after they are
 * created.
 */
export async function secureListenersReady(info: KafkaSecureInfo): Promise<true> {
  const logins: SASLOptions[] = [
    { mechanism: 'scram-sha-512', ...info.scram },
    { mechanism: 'plain', ...info.plain },
  ];
  for (const broker of info.saslBrokers) {
    for (const sasl of logins) {
      const admin = new Kafka({
        brokers: [broker],
        clientId: 'kf-devstack-ready',
        logLevel: logLevel.NOTHING,
        ssl: { ca: [info.caPem] },
        sasl,
        retry: { retries: 0 },
      }).admin();
      // A refused login throws: waitUntil asks again and keeps the error for its report.
      try {
        await admin.connect();
      } finally {
        await admin.disconnect();
      }
    }
  }
  return true;
}
