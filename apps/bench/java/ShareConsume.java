import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.FinalizedVersionRange;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * One benchmark process of a Kafka share group (KIP-932): {@code --threads} consumer
 * threads, each its own KafkaShareConsumer, handling one record at a time and
 * acknowledging it (explicit mode) after its handler. It speaks the bench's consumer
 * protocol as JSON lines on stdout: one {@code ready}, then {@code progress} about every
 * 200 ms and once more after it stopped; "stop" or the end of stdin stops it.
 *
 * <p>Arguments: {@code --bootstrap host:port --group g --topic t --id name --threads n
 * --handler-ms n} and any number of {@code --consumer k=v} (consumer properties). With
 * {@code --mode configure} it instead sets the group's configs, {@code --group-config k=v}
 * each, checks that the cluster has share groups on, says {@code configured} and exits:
 * once per group before its consumers start, so they do not each pay for an admin client.
 */
public final class ShareConsume {
  private static final AtomicLong MESSAGES = new AtomicLong();
  private static final AtomicLong BYTES = new AtomicLong();
  private static final ConcurrentLinkedQueue<Long> LATENCIES = new ConcurrentLinkedQueue<>();
  private static final AtomicLong POLLS_WITH_RECORDS = new AtomicLong();
  private static final AtomicLong EMPTY_POLLS = new AtomicLong();
  private static final AtomicLong POLLED = new AtomicLong();
  private static volatile boolean running = true;

  public static void main(String[] argv) throws Exception {
    Map<String, String> args = new HashMap<>();
    Properties consumerProps = new Properties();
    Map<String, String> groupConfigs = new HashMap<>();
    for (int i = 0; i + 1 < argv.length; i += 2) {
      String value = argv[i + 1];
      switch (argv[i]) {
        case "--consumer" -> consumerProps.put(key(value), val(value));
        case "--group-config" -> groupConfigs.put(key(value), val(value));
        default -> args.put(argv[i].substring(2), value);
      }
    }
    String bootstrap = required(args, "bootstrap");
    String group = required(args, "group");

    if (args.getOrDefault("mode", "consume").equals("configure")) {
      long startedAt = System.currentTimeMillis();
      short shareVersion = configureGroup(bootstrap, group, groupConfigs);
      System.out.println("{\"type\":\"configured\",\"note\":\"share.version " + shareVersion
          + ", group configs set in " + (System.currentTimeMillis() - startedAt) + " ms\"}");
      return;
    }
    String topic = required(args, "topic");
    String id = required(args, "id");
    int threads = Integer.parseInt(required(args, "threads"));
    long handlerMs = Long.parseLong(required(args, "handler-ms"));
    consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    consumerProps.put(ConsumerConfig.SHARE_ACKNOWLEDGEMENT_MODE_CONFIG, "explicit");
    List<Thread> workers = new ArrayList<>();
    List<KafkaShareConsumer<byte[], byte[]>> consumers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Properties props = new Properties();
      props.putAll(consumerProps);
      props.put(ConsumerConfig.CLIENT_ID_CONFIG, id + "-" + t);
      KafkaShareConsumer<byte[], byte[]> consumer =
          new KafkaShareConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
      consumer.subscribe(List.of(topic));
      consumers.add(consumer);
      Thread worker = new Thread(() -> consume(consumer, handlerMs), id + "-" + t);
      workers.add(worker);
    }
    workers.forEach(Thread::start);
    long jvmAt = ManagementFactory.getRuntimeMXBean().getStartTime();
    System.out.println("{\"type\":\"ready\",\"note\":\"" + id + " ready "
        + (System.currentTimeMillis() - jvmAt) + " ms after its JVM started\"}");
    System.out.flush();

    Thread reporter = new Thread(() -> {
      while (running) {
        sleep(200);
        report();
      }
    }, "reporter");
    reporter.setDaemon(true);
    reporter.start();

    waitForStop();
    running = false;
    consumers.forEach(KafkaShareConsumer::wakeup);
    for (Thread worker : workers) worker.join(30_000);
    report();
    long polls = POLLS_WITH_RECORDS.get();
    System.out.println("{\"type\":\"summary\",\"note\":\"" + id + ": " + polls
        + " polls of " + (polls == 0 ? 0 : POLLED.get() / polls) + " records on average, "
        + EMPTY_POLLS.get() + " empty\"}");
    System.out.flush();
    System.exit(0);
  }

  /**
   * Sets the group's configs (a share group starts at the log end unless
   * share.auto.offset.reset says otherwise) and returns the cluster's share.version:
   * share groups need it at 1 or more.
   */
  private static short configureGroup(String bootstrap, String group, Map<String, String> configs)
      throws Exception {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(props)) {
      FinalizedVersionRange share =
          admin.describeFeatures().featureMetadata().get(30, TimeUnit.SECONDS)
              .finalizedFeatures().get("share.version");
      short level = share == null ? 0 : share.maxVersionLevel();
      if (level < 1) {
        throw new IllegalStateException(
            "the cluster's share.version is " + level + ": share groups are off");
      }
      List<AlterConfigOp> ops = new ArrayList<>();
      configs.forEach((k, v) -> ops.add(new AlterConfigOp(new ConfigEntry(k, v), AlterConfigOp.OpType.SET)));
      if (!ops.isEmpty()) {
        admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, group), ops))
            .all().get(30, TimeUnit.SECONDS);
      }
      return level;
    }
  }

  private static void consume(KafkaShareConsumer<byte[], byte[]> consumer, long handlerMs) {
    try {
      while (running) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
        if (records.isEmpty()) {
          EMPTY_POLLS.incrementAndGet();
        } else {
          POLLS_WITH_RECORDS.incrementAndGet();
          POLLED.addAndGet(records.count());
        }
        for (ConsumerRecord<byte[], byte[]> record : records) {
          if (handlerMs > 0) sleep(handlerMs);
          MESSAGES.incrementAndGet();
          BYTES.addAndGet(record.value() == null ? 0 : record.value().length);
          LATENCIES.add(System.currentTimeMillis() - record.timestamp());
          consumer.acknowledge(record, AcknowledgeType.ACCEPT);
        }
      }
    } catch (WakeupException stopping) {
      // The stop: the loop ends and the consumer closes below.
    } finally {
      // Sends the acknowledgements not yet sent and leaves the group.
      consumer.close(Duration.ofSeconds(10));
    }
  }

  private static synchronized void report() {
    long messages = MESSAGES.getAndSet(0);
    long bytes = BYTES.getAndSet(0);
    StringBuilder line = new StringBuilder(64 + (int) Math.min(messages, 1 << 20) * 4);
    line.append("{\"type\":\"progress\",\"messages\":").append(messages)
        .append(",\"bytes\":").append(bytes).append(",\"units\":0,\"latenciesMs\":[");
    Long latency;
    boolean first = true;
    while ((latency = LATENCIES.poll()) != null) {
      if (!first) line.append(',');
      line.append(latency);
      first = false;
    }
    line.append("]}");
    System.out.println(line);
    System.out.flush();
  }

  private static void waitForStop() throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      if (line.trim().equals("stop")) return;
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String required(Map<String, String> args, String name) {
    String value = args.get(name);
    if (value == null) throw new IllegalArgumentException("missing --" + name);
    return value;
  }

  private static String key(String pair) {
    int eq = pair.indexOf('=');
    if (eq <= 0) throw new IllegalArgumentException("expected key=value, got " + pair);
    return pair.substring(0, eq);
  }

  private static String val(String pair) {
    return pair.substring(pair.indexOf('=') + 1);
  }
}
