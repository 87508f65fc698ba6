/**
 * A real Apache Kafka broker without Docker: the broker's jars come from Maven Central once
 * (cached in .local/kafka-dist/), storage is formatted for KRaft, and one JVM runs as broker and
 * controller on 127.0.0.1 with automatic topic creation off. Used by `npm run kafka`,
 * `npm start`, the e2e tests and the benchmark when KAFKA_BROKERS is not given.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { logLevel } from 'kafkajs';
import { createKafka } from '../../../shared/kafka/client.js';
import { spawnGuarded, type GuardedProcess } from '../guarded-process.js';
import { assertPortFree, freePort, LocalSetupError, telltaleLine } from '../setup-error.js';

/** Newest Kafka 4.x whose jars resolve on Maven Central and run on Java 17 (4.4.0 is not complete there yet). */
export const KAFKA_VERSION = '4.3.1';
const LOG4J_VERSION = '2.25.4';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const DIST_DIR = join(ROOT, '.local', 'kafka-dist', KAFKA_VERSION);
const PART = 'Kafka';
const ALTERNATIVE = 'or run Kafka elsewhere (e.g. `docker compose -f docker-compose.localstack.yml up`) and set KAFKA_BROKERS';
const PORT_REMEDY =
  'set KAFKA_PORT to a free port (0 picks one), stop the program that uses it, or use the broker that runs there with KAFKA_BROKERS';

export interface LocalKafka {
  /** Bootstrap address, "127.0.0.1:PORT". */
  readonly brokers: string;
  stop(): Promise<void>;
  /** Starts again after `stop()`, on the same ports and data. */
  start(): Promise<void>;
}

export interface LocalKafkaOptions {
  dataDir: string;
  /** 0 or absent: a free port. */
  port?: number;
  /** Broker output (warnings and errors only); by default only kept for error reports. */
  onLog?: (line: string) => void;
}

function requireTool(command: string, args: string[], what: string, install: string): void {
  const probe = spawnSync(command, args, { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    const why = probe.error
      ? `"${command}" is not on the PATH`
      : `"${command} ${args.join(' ')}" failed: ${telltaleLine(`${probe.stdout}${probe.stderr}`)}`;
    throw new LocalSetupError(PART, `the local broker needs ${what}, and ${why}`, `${install}, ${ALTERNATIVE}`);
  }
}

/** Runs a tool to its end; on failure the whole output goes to `logFile` and the error names it. */
async function run(command: string, args: string[], cwd: string, what: string, remedy: string, logFile: string): Promise<void> {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (result.error || result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
    await writeFile(logFile, output).catch(() => undefined);
    // Maven and the JVM tools print the cause first, then advice.
    const why = result.error
      ? `could not run ${command}: ${(result.error as NodeJS.ErrnoException).code ?? result.error.message}`
      : telltaleLine(output, 'first');
    throw new LocalSetupError(PART, `${what} failed (${why}; full output in ${logFile})`, remedy);
  }
}

const POM = `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.order-pipeline</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>${KAFKA_VERSION}</version></dependency>
    <!-- The broker logs through SLF4J 1.7; this routes it to log4j2 (configured in log4j2.properties). -->
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>${LOG4J_VERSION}</version></dependency>
  </dependencies>
</project>
`;

const LOG4J2 = `status = error
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.stdout.ref = STDOUT
logger.server.name = kafka.server.KafkaRaftServer
logger.server.level = INFO
`;

/** The broker's jars (downloaded once with Maven into .local/kafka-dist/<version>/libs). */
function requireJava17(): void {
  const install = 'install a Java 17+ runtime (e.g. apt-get install openjdk-17-jre-headless)';
  requireTool('java', ['-version'], 'Java 17 or newer', install);
  const banner = spawnSync('java', ['-version'], { encoding: 'utf8' }).stderr ?? '';
  const major = Number(/version "(?:1\.)?(\d+)/.exec(banner)?.[1] ?? 0);
  if (major > 0 && major < 17)
    throw new LocalSetupError(
      PART,
      `the local broker needs Java 17 or newer, and "java" is Java ${major}`,
      `${install} and put it first on the PATH, ${ALTERNATIVE}`,
    );
}

async function ensureKafkaJars(): Promise<string> {
  const libs = join(DIST_DIR, 'libs');
  requireJava17();
  if (existsSync(libs)) return libs;
  requireTool('mvn', ['-v'], 'Apache Maven (to fetch the Kafka jars once)', 'install Maven (e.g. apt-get install maven)');
  await mkdir(DIST_DIR, { recursive: true });
  // Download into a private folder and rename: concurrent first runs cannot see half a folder.
  const work = await mkdtemp(join(DIST_DIR, 'download-'));
  try {
    await writeFile(join(work, 'pom.xml'), POM);
    process.stderr.write(`[kafka] fetching Apache Kafka ${KAFKA_VERSION} jars with Maven (once)...\n`);
    const remedy = `check the network and Maven's proxy or mirror settings (~/.m2/settings.xml) and try again, ${ALTERNATIVE}`;
    const log = join(DIST_DIR, 'download.log');
    await run(
      'mvn',
      ['-q', '-B', 'dependency:copy-dependencies', '-DincludeScope=runtime', '-DoutputDirectory=libs'],
      work,
      'downloading the Kafka jars with Maven',
      remedy,
      log,
    );
    await rename(join(work, 'libs'), libs).catch((error: NodeJS.ErrnoException) => {
      if (!existsSync(libs)) throw error;
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return libs;
}

async function classpath(libs: string): Promise<string> {
  const jars = (await readdir(libs)).filter((file) => file.endsWith('.jar'));
  return jars.map((jar) => join(libs, jar)).join(':');
}

/** A KRaft cluster id: 16 random bytes, URL-safe base64 without padding, as `kafka-storage random-uuid` prints. */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function serverProperties(dataDir: string, port: number, controllerPort: number): string {
  return `${[
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${join(dataDir, 'logs')}`,
    'auto.create.topics.enable=false',
    'num.partitions=1',
    // One node: every internal topic has one replica; fewer offset partitions start faster.
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=6',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=6',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    // The consumer-group emulator keeps its session short so a killed member is replaced quickly.
    'group.min.session.timeout.ms=1000',
  ].join('\n')}\n`;
}

const JVM_OPTIONS = ['-Xms128m', '-Xmx512m', '-XX:+UseSerialGC', '-Djava.awt.headless=true'];

async function waitForBroker(brokers: string, isAlive: () => boolean, output: () => string): Promise<void> {
  const probe = createKafka({
    brokers,
    clientId: 'local-kafka-probe',
    connectionTimeout: 1_000,
    requestTimeout: 3_000,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  });
  const admin = probe.admin();
  const deadline = Date.now() + 90_000;
  try {
    for (;;) {
      if (!isAlive()) throw startFailure(output());
      try {
        await admin.connect();
        const cluster = await admin.describeCluster();
        if (cluster.brokers.length > 0 && cluster.controller !== null) {
          // Also wait for the group coordinator (it creates __consumer_offsets on first use), so
          // that the first consumers do not meet "coordinator is loading" ...
          await admin.describeGroups(['local-kafka-probe']);
          // ... and for producer ids, which idempotent producers ask for when they connect.
          const producer = probe.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 1, initialRetryTime: 100 } });
          try {
            await producer.connect();
          } finally {
            await producer.disconnect().catch(() => undefined);
          }
          return;
        }
      } catch {
        // not ready yet
      }
      if (Date.now() > deadline)
        throw new LocalSetupError(
          PART,
          `the broker did not become ready within 90 s (${telltaleLine(output())})`,
          `the machine may be overloaded: try again, ${ALTERNATIVE}`,
        );
      await delay(250);
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

function startFailure(output: string): LocalSetupError {
  const line = telltaleLine(output);
  if (/BindException|Address already in use/i.test(output))
    return new LocalSetupError(PART, `a port of the broker is taken (${line})`, PORT_REMEDY);
  return new LocalSetupError(
    PART,
    `the broker exited while starting (${line})`,
    `if its data in .local/kafka is disposable, delete it and try again, ${ALTERNATIVE}`,
  );
}

export async function startLocalKafka({ dataDir, port = 0, onLog }: LocalKafkaOptions): Promise<LocalKafka> {
  // Checked before anything slow, so that a taken port is reported at once.
  if (port) await assertPortFree(port, PART, PORT_REMEDY);
  const libs = await ensureKafkaJars();
  const cp = await classpath(libs);
  const chosenPort = port || (await freePort());
  const controllerPort = await freePort();
  await mkdir(dataDir, { recursive: true });
  const config = join(dataDir, 'server.properties');
  const log4j = join(dataDir, 'log4j2.properties');
  await writeFile(config, serverProperties(dataDir, chosenPort, controllerPort));
  await writeFile(log4j, LOG4J2);
  const java = (mainClass: string, args: string[]) => [
    ...JVM_OPTIONS,
    `-Dlog4j2.configurationFile=${log4j}`,
    `-Dkafka.logs.dir=${join(dataDir, 'server-logs')}`,
    '-cp',
    cp,
    mainClass,
    ...args,
  ];

  if (!existsSync(join(dataDir, 'logs', 'meta.properties'))) {
    await run(
      'java',
      java('kafka.tools.StorageTool', ['format', '-t', clusterId(), '-c', config, '--ignore-formatted']),
      dataDir,
      'formatting the broker storage',
      `delete ${dataDir} and try again, ${ALTERNATIVE}`,
      join(dataDir, 'format.log'),
    );
  }

  const brokers = `127.0.0.1:${chosenPort}`;
  let broker: GuardedProcess | undefined;

  const start = async (): Promise<void> => {
    if (broker?.isAlive()) return;
    const running = spawnGuarded({
      command: 'java',
      args: java('kafka.Kafka', [config]),
      cwd: dataDir,
      stopSignal: 'TERM',
      ...(onLog ? { onLine: onLog } : {}),
    });
    broker = running;
    try {
      await waitForBroker(
        brokers,
        () => running.isAlive(),
        () => running.output(),
      );
    } catch (error) {
      await stop();
      throw error;
    }
  };

  // SIGTERM is a controlled shutdown that flushes the logs; SIGKILL after 20 s.
  const stop = async (): Promise<void> => {
    await broker?.stop(20_000);
    broker = undefined;
  };

  await start();
  return { brokers, start, stop };
}

/** Creates a topic (no error when it exists) and waits until every partition has a leader. */
export async function createTopic(brokers: string, topic: string, partitions: number): Promise<void> {
  const admin = createKafka({ brokers, clientId: 'local-kafka-admin', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    // Checked first: kafkajs logs an already existing topic as an error even though it is not one.
    const existing = await admin.listTopics();
    if (!existing.includes(topic)) {
      await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: false });
    }
    // A fresh KRaft broker publishes new topics' metadata a moment later: wait for every leader.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const metadata = await admin
        .fetchTopicMetadata({ topics: [topic] })
        .then((answer) => answer.topics[0])
        .catch(() => undefined);
      if (metadata && metadata.partitions.length > 0 && metadata.partitions.every((partition) => partition.leader >= 0)) {
        if (metadata.partitions.length !== partitions) {
          throw new LocalSetupError(
            PART,
            `topic "${topic}" exists with ${metadata.partitions.length} partitions, not ${partitions}`,
            `delete the topic (or the broker's data in .local/kafka), or use another KAFKA_TOPIC`,
          );
        }
        return;
      }
      if (Date.now() > deadline)
        throw new LocalSetupError(
          PART,
          `topic "${topic}" has no leader for every partition after 30 s`,
          'the machine may be overloaded: try again',
        );
      await delay(200);
    }
  } finally {
    await admin.disconnect();
  }
}
