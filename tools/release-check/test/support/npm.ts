import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * How this machine reaches the network, which npm needs whichever npm it is: proxies and
 * extra certificate authorities. (The machine's own npm may have them in its global
 * npmrc too; the npm of a Node line fetched by the devstack has none of its own.)
 */
const NETWORK_ENV = /^(NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR|(HTTPS?|NO|ALL)_PROXY)$/i;

/**
 * npm's environment: the machine's PATH and HOME (its config) and network settings,
 * nothing of the workspace's (pnpm's `npm_config_*` among them).
 */
export const npmEnv = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  ...Object.fromEntries(Object.entries(process.env).filter(([name]) => NETWORK_ENV.test(name))),
};

/**
 * npm gives up on a request the registry does not answer after FETCH_TIMEOUT_MS, tried
 * twice with NPM_RETRY_PAUSE_MS between: an install's bound leaves room for that, so
 * npm's own network error, naming what failed, comes through first.
 */
export const FETCH_TIMEOUT_MS = 20_000;
export const NPM_RETRY_PAUSE_MS = 10_000;
/** How long npm may be stuck on the network before it reports it. */
export const NPM_NETWORK_GRACE_MS = 2 * FETCH_TIMEOUT_MS + NPM_RETRY_PAUSE_MS;

/** How npm talks to the registry here: each request bounded, one retry after a bounded pause. */
const npmFetchOptions = [
  `--fetch-timeout=${FETCH_TIMEOUT_MS}`,
  '--fetch-retries=1',
  `--fetch-retry-mintimeout=${NPM_RETRY_PAUSE_MS}`,
  `--fetch-retry-maxtimeout=${NPM_RETRY_PAUSE_MS}`,
];

/**
 * `npm install`s `specs` into `project`. When it fails, `npm ping` asks the registry
 * whether it answers: npm's own error does not always say (an unreachable registry has
 * come out as ERESOLVE, "Found: ioredis@undefined"). A registry that does not answer is
 * named in the error, with the fact that this test needs it; any other failure carries
 * what npm said.
 */
export async function npmInstall(
  project: string,
  specs: string[],
  timeoutMs: number,
): Promise<void> {
  const registry = await run('npm', ['config', 'get', 'registry', ...npmFetchOptions], {
    cwd: project,
    env: npmEnv,
  })
    .then(({ stdout }) => stdout.trim())
    .catch(() => 'the registry npm is configured with');
  try {
    await run(
      'npm',
      ['install', ...specs, '--no-audit', '--no-fund', '--loglevel=error', ...npmFetchOptions],
      { cwd: project, env: npmEnv, timeout: timeoutMs },
    );
  } catch (error) {
    const failed = error as { stderr?: string; stdout?: string; killed?: boolean };
    const said = `${failed.stderr ?? ''}${failed.stdout ?? ''}`.trim() || String(error);
    const unreachable = await run('npm', ['ping', ...npmFetchOptions], {
      cwd: project,
      env: npmEnv,
      timeout: timeoutMs,
    }).then(
      () => undefined,
      (pingError: { stderr?: string; killed?: boolean }) =>
        pingError.killed
          ? `no answer within ${timeoutMs} ms`
          : // Its first lines name the error and the request that failed.
            (pingError.stderr ?? String(pingError)).trim().split('\n').slice(0, 6).join('\n'),
    );
    throw new Error(
      unreachable !== undefined || failed.killed
        ? `npm install could not reach the npm registry ${registry}: this test needs ` +
            `network access to it, to install the drivers, TypeScript and the packed ` +
            `packages' dependencies. npm ping said: ${unreachable ?? '(answered)'}\n` +
            `npm install said:\n${said}`
        : `npm install (registry ${registry}, which answers npm ping) failed:\n${said}`,
      { cause: error },
    );
  }
}
