import { missingPackage } from '@kf/core';
import { AdapterNotInstalledError, type KafkaFactory } from '@kf/protocol';

const PLATFORMATIC_PACKAGE = '@kf/kafka-platformatic';
const PLATFORMATIC_DRIVER = '@platformatic/kafka';
const WANTED_FOR = "kafka.client 'platformatic'";

export type PlatformaticImporter = () => Promise<{ createPlatformaticKafkaAccess: KafkaFactory }>;

/** A literal specifier, so bundlers see it; tsup's CommonJS build turns it into `require`. */
const importPlatformatic: PlatformaticImporter = () => import('@kf/kafka-platformatic');

/**
 * `createPlatformaticKafkaAccess`, loaded only when the config asks for it: the package is
 * an optional peer of @kf/consumer. It, or the driver it needs, not installed is an
 * `AdapterNotInstalledError` naming the package to add; any other failure to load is
 * rethrown as it is.
 */
export async function loadPlatformatic(
  importer: PlatformaticImporter = importPlatformatic,
): Promise<KafkaFactory> {
  try {
    return (await importer()).createPlatformaticKafkaAccess;
  } catch (error) {
    const missing = missingPackage(error);
    if (missing === PLATFORMATIC_PACKAGE) {
      throw new AdapterNotInstalledError(PLATFORMATIC_PACKAGE, WANTED_FOR, { cause: error });
    }
    if (missing === PLATFORMATIC_DRIVER) {
      throw new AdapterNotInstalledError(
        PLATFORMATIC_DRIVER,
        `${PLATFORMATIC_PACKAGE}, which ${WANTED_FOR} needs`,
        { cause: error },
      );
    }
    throw error;
  }
}
