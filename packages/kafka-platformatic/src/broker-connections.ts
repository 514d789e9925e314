import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { KafkaSasl } from '@kf/protocol';
import {
  type Broker,
  type Connection,
  type ConnectionOptions,
  ConnectionPool,
  parseBroker,
  type ResponseParser,
  type SASLOptions,
  type Writer,
} from '@platformatic/kafka';

export interface ConnectionSettings {
  clientId: string;
  brokers: string[];
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
  ssl?: TlsOptions;
  sasl?: KafkaSasl;
}

const DEFAULT_PORT = 9092;

const SASL_MECHANISMS: Record<KafkaSasl['mechanism'], SASLOptions['mechanism']> = {
  plain: 'PLAIN',
  'scram-sha-256': 'SCRAM-SHA-256',
  'scram-sha-512': 'SCRAM-SHA-512',
};

/**
 * One connection per broker, from @platformatic/kafka's pool: a connection that closes
 * leaves the pool and the next request opens a new one, so a broker that restarts is
 * reached again without the port doing anything. Requests to one broker are pipelined
 * on its connection.
 */
export class BrokerConnections {
  private readonly pool: ConnectionPool;
  private readonly bootstrap: Broker[];

  /** Where the next `any` starts in its list of brokers. */
  private turn = 0;

  constructor(settings: ConnectionSettings) {
    const options: ConnectionOptions = {
      connectTimeout: settings.connectionTimeoutMs,
      requestTimeout: settings.requestTimeoutMs,
      ...(settings.ssl === undefined ? {} : { tls: settings.ssl }),
      ...(settings.sasl === undefined
        ? {}
        : {
            sasl: {
              mechanism: SASL_MECHANISMS[settings.sasl.mechanism],
              username: settings.sasl.username,
              password: settings.sasl.password,
            },
          }),
    };
    this.pool = new ConnectionPool(settings.clientId, options);
    this.bootstrap = settings.brokers.map((b) => parseBroker(b, DEFAULT_PORT));
  }

  /**
   * A connection to any broker: the bootstrap list first, then the brokers the cluster
   * named, so losing every seed broker does not cut the port off a cluster still up.
   * Each call starts one broker further along the list, as kafkajs picks a broker at
   * random: a broker whose metadata lags (just restarted, or not yet told of a new
   * partition) is not the one every reload asks first.
   */
  any(known: ReadonlyArray<Broker>): Promise<Connection> {
    const seen = new Set(this.bootstrap.map(key));
    const brokers = [...this.bootstrap];
    for (const broker of known) {
      if (!seen.has(key(broker))) {
        seen.add(key(broker));
        brokers.push({ host: broker.host, port: broker.port });
      }
    }
    const start = this.turn++ % brokers.length;
    return this.pool.getFirstAvailable([...brokers.slice(start), ...brokers.slice(0, start)]);
  }

  to(broker: Broker): Promise<Connection> {
    return this.pool.get({ host: broker.host, port: broker.port });
  }

  /** Closes every connection; the pool refuses any later request. */
  close(): Promise<void> {
    return this.pool.close();
  }
}

/** Sends one request with a parser of the port's own (see fetch-response.ts). */
export function sendRaw<T>(
  connection: Connection,
  apiKey: number,
  apiVersion: number,
  createPayload: () => Writer,
  parse: ResponseParser<T>,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    connection.send(apiKey, apiVersion, createPayload, parse, false, false, (error, payload) => {
      if (error) reject(error);
      else resolve(payload as T);
    });
  });
}

function key(broker: Broker): string {
  return `${broker.host}:${broker.port}`;
}
