import { ConfigError } from '@kf/protocol';

// Kafka's own rule for topic names.
const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;

/** Checks a topic list as `createNode`, `addTopics` and `removeTopics` take it. */
export function checkTopics(topics: readonly string[], path = 'topics'): string[] {
  if (!Array.isArray(topics)) {
    throw new ConfigError([{ path, message: 'expected an array of topic names' }]);
  }
  const issues = topics.flatMap((topic, i) =>
    typeof topic === 'string' && TOPIC_NAME.test(topic) && topic !== '.' && topic !== '..'
      ? []
      : [
          {
            path: `${path}[${i}]`,
            message: `expected a Kafka topic name (letters, digits, '.', '_', '-'; at most 249), got ${JSON.stringify(topic)}`,
          },
        ],
  );
  if (issues.length > 0) throw new ConfigError(issues);
  return [...new Set(topics)];
}
