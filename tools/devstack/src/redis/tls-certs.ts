import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DevstackStartError, DevstackToolMissingError } from '../errors.js';
import { onPath } from '../system-tools.js';

/** Where the generated PEM files are: a CA, the server's pair, and a client's pair. */
export interface TlsFiles {
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

/** A client's TLS material as `tls.connect` and ioredis take it (PEM text). */
export interface TlsClientOptions {
  ca: string;
  cert: string;
  key: string;
}

export interface TlsMaterial {
  files: TlsFiles;
  client: TlsClientOptions;
}

/**
 * Makes a throwaway CA and, signed by it, a server certificate for 127.0.0.1 and
 * localhost and a client certificate, with `openssl` (EC P-256: quick to generate).
 * Valid two days: they live as long as one run directory.
 */
export function generateTlsMaterial(dir: string): TlsMaterial {
  if (!onPath('openssl')) {
    throw new DevstackToolMissingError(
      'missing openssl: install it with `apt-get install openssl`',
    );
  }
  mkdirSync(dir, { recursive: true });
  const path = (name: string) => join(dir, name);
  const files: TlsFiles = {
    caCert: path('ca.crt'),
    serverCert: path('server.crt'),
    serverKey: path('server.key'),
    clientCert: path('client.crt'),
    clientKey: path('client.key'),
  };
  openssl(
    [...NEW_KEY, '-x509', '-days', '2', '-keyout', path('ca.key'), '-out', files.caCert].concat([
      '-subj',
      '/CN=kf-devstack-ca',
    ]),
  );
  issue(dir, 'server', '/CN=localhost', [
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
    'extendedKeyUsage=serverAuth',
  ]);
  issue(dir, 'client', '/CN=kf-devstack-client', ['extendedKeyUsage=clientAuth']);
  return {
    files,
    client: {
      ca: readFileSync(files.caCert, 'utf8'),
      cert: readFileSync(files.clientCert, 'utf8'),
      key: readFileSync(files.clientKey, 'utf8'),
    },
  };
}

/** `openssl req` making a new EC P-256 key, unencrypted. */
const NEW_KEY = ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function issue(dir: string, name: string, subject: string, extensions: string[]): void {
  const path = (file: string) => join(dir, file);
  writeFileSync(path(`${name}.ext`), `${extensions.join('\n')}\n`);
  openssl([
    ...NEW_KEY,
    '-keyout',
    path(`${name}.key`),
    '-out',
    path(`${name}.csr`),
    '-subj',
    subject,
  ]);
  const sign = ['x509', '-req', '-days', '2', '-sha256', '-CAcreateserial'];
  openssl(
    [...sign, '-CA', path('ca.crt'), '-CAkey', path('ca.key'), '-in', path(`${name}.csr`)].concat([
      '-extfile',
      path(`${name}.ext`),
      '-out',
      path(`${name}.crt`),
    ]),
  );
}

function openssl(args: string[]): void {
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '');
    throw new DevstackStartError(`openssl ${args[0]} failed: ${stderr}`, { cause: error });
  }
}
