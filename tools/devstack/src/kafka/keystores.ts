import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DevstackStartError } from '../errors.js';

const run = promisify(execFile);

/** What a broker's TLS listeners need, and the CA a client verifies them with. */
export interface KafkaKeystores {
  /** PKCS12 keystore holding the broker's key and its certificate chain. */
  keystore: string;
  /** Guards the keystore and the key in it; random per run. */
  keystorePassword: string;
  /** PEM of the CA that signed the broker's certificate: what a client trusts. */
  caPem: string;
  /** PEM of a second CA that signed nothing the broker presents: a client trusting only it must refuse the broker. */
  otherCaPem: string;
}

/**
 * How long one `keytool` call may take: a JVM start and one key pair, under a second on
 * an idle machine and a few seconds at load; 60 s leaves room for a machine saturated by
 * other suites.
 */
const KEYTOOL_TIMEOUT_MS = 60_000;
/** Long enough for any run directory's life; short, since nothing outlives it. */
const VALIDITY_DAYS = '2';

/**
 * Makes, with the JDK's `keytool`, a throwaway CA, a broker key pair whose certificate it
 * signs for 127.0.0.1 and localhost, and a second, unrelated CA. EC P-256 keys: quick to
 * generate. Nothing is committed; everything lives in `dir`, a run directory.
 */
export async function generateKafkaKeystores(dir: string): Promise<KafkaKeystores> {
  mkdirSync(dir, { recursive: true });
  const password = randomBytes(18).toString('base64url');
  const path = (name: string) => join(dir, name);
  const store = (file: string) => ['-keystore', path(file), '-storetype', 'PKCS12'];
  const secret = ['-storepass', password, '-keypass', password];
  const newPair = (alias: string, file: string, dname: string, extra: string[]) =>
    keytool([
      '-genkeypair',
      '-alias',
      alias,
      '-dname',
      dname,
      '-keyalg',
      'EC',
      '-groupname',
      'secp256r1',
      '-validity',
      VALIDITY_DAYS,
      ...store(file),
      ...secret,
      ...extra,
    ]);

  await Promise.all([
    newPair('ca', 'ca.p12', 'CN=kf-devstack-kafka-ca', ['-ext', 'bc:c']),
    newPair('ca', 'other-ca.p12', 'CN=kf-devstack-other-ca', ['-ext', 'bc:c']),
    newPair('broker', 'broker.p12', 'CN=localhost', []),
  ]);
  await keytool([
    '-exportcert',
    '-rfc',
    '-alias',
    'ca',
    ...store('ca.p12'),
    ...secret,
    '-file',
    path('ca.pem'),
  ]);
  await keytool([
    '-exportcert',
    '-rfc',
    '-alias',
    'ca',
    ...store('other-ca.p12'),
    ...secret,
    '-file',
    path('other-ca.pem'),
  ]);
  await keytool([
    '-certreq',
    '-alias',
    'broker',
    ...store('broker.p12'),
    ...secret,
    '-file',
    path('broker.csr'),
  ]);
  await keytool([
    '-gencert',
    '-rfc',
    '-alias',
    'ca',
    ...store('ca.p12'),
    ...secret,
    '-infile',
    path('broker.csr'),
    '-outfile',
    path('broker.pem'),
    '-validity',
    VALIDITY_DAYS,
    '-ext',
    'SAN=IP:127.0.0.1,DNS:localhost',
    '-ext',
    'EKU=serverAuth',
  ]);
  // The CA goes in first: keytool accepts the signed reply only once it can build the chain.
  await keytool([
    '-importcert',
    '-noprompt',
    '-alias',
    'ca',
    '-file',
    path('ca.pem'),
    ...store('broker.p12'),
    ...secret,
  ]);
  await keytool([
    '-importcert',
    '-alias',
    'broker',
    '-file',
    path('broker.pem'),
    ...store('broker.p12'),
    ...secret,
  ]);
  return {
    keystore: path('broker.p12'),
    keystorePassword: password,
    caPem: readFileSync(path('ca.pem'), 'utf8'),
    otherCaPem: readFileSync(path('other-ca.pem'), 'utf8'),
  };
}

function keytoolCommand(): string {
  return process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'keytool') : 'keytool';
}

async function keytool(args: string[]): Promise<void> {
  try {
    await run(keytoolCommand(), args, { timeout: KEYTOOL_TIMEOUT_MS });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    // execFile's error repeats the command line, store password included: only keytool's
    // own output is kept, with the step that failed.
    throw new DevstackStartError(`keytool ${args[0]} failed:\n${stderr || stdout}`);
  }
}
