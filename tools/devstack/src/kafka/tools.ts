import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { assetPath } from '../paths.js';
import { ensureKafkaJars } from './jars.js';

const run = promisify(execFile);

/** Kafka's own command-line tools, by the name of their shell script. */
export const KAFKA_TOOLS = {
  'kafka-consumer-groups': 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand',
  'kafka-topics': 'org.apache.kafka.tools.TopicCommand',
  'kafka-get-offsets': 'org.apache.kafka.tools.GetOffsetShell',
  'kafka-configs': 'org.apache.kafka.tools.ConfigCommand',
} as const;

export type KafkaToolName = keyof typeof KAFKA_TOOLS;

export interface KafkaToolOptions {
  /** Gives up on the tool after this long. Default 60000 ms. */
  timeoutMs?: number;
  /** A secret among the arguments (a password being set): replaced by `***` in any error. */
  secret?: string;
}

/**
 * Runs one of Kafka's own tools, as `bin/<tool>.sh` would, from the jars the devstack
 * fetched, and returns what it printed. A non-zero exit throws with its output.
 */
export async function runKafkaTool(
  tool: KafkaToolName,
  args: string[],
  options: KafkaToolOptions = {},
): Promise<string> {
  const libs = await ensureKafkaJars();
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  try {
    const { stdout } = await run(
      java,
      [
        '-Xmx256m',
        '-XX:TieredStopAtLevel=1',
        `-Dlog4j2.configurationFile=${assetPath('tools-log4j2.properties')}`,
        '-cp',
        join(libs, '*'),
        KAFKA_TOOLS[tool],
        ...args,
      ],
      { timeout: options.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024 },
    );
    return stdout;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    const hide = (text: string) => (options.secret ? text.replaceAll(options.secret, '***') : text);
    // execFile's error repeats the command line: with a secret in it, only the output is kept.
    throw new Error(
      hide(`${tool} ${args.join(' ')} failed:\n${stdout}${stderr}`),
      options.secret ? {} : { cause: error },
    );
  }
}
