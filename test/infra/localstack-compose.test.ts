import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../infra/constructs/pipeline-function.js';

/**
 * docker-compose.localstack.yml cannot be run here (no Docker engine): these checks keep it valid
 * YAML with the services docs/deploy.md promises. Running it is the reader's job.
 */
interface Service {
  image: string;
  ports?: string[];
  environment?: Record<string, string | number>;
}

let services: Record<string, Service>;

beforeAll(() => {
  const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.localstack.yml'), 'utf8')) as { services: Record<string, Service> };
  services = compose.services;
});

describe('docker-compose.localstack.yml', () => {
  it('has exactly LocalStack, PostgreSQL and Kafka (no ZooKeeper)', () => {
    expect(Object.keys(services).sort()).toEqual(['kafka', 'localstack', 'postgres']);
  });

  it('takes the LocalStack auth token from the environment, never from the file', () => {
    const localstack = services.localstack!;
    expect(localstack.image).toMatch(/^localstack\/localstack:/);
    expect(String(localstack.environment?.LOCALSTACK_AUTH_TOKEN)).toMatch(/^\$\{LOCALSTACK_AUTH_TOKEN[:?}]/);
  });

  it('runs PostgreSQL 17', () => {
    expect(services.postgres!.image).toMatch(/^postgres:17(\.|-|$)/);
  });

  it('runs Kafka as one KRaft node that is broker and controller', () => {
    const env = services.kafka!.environment!;
    expect(String(env.KAFKA_PROCESS_ROLES).split(',').sort()).toEqual(['broker', 'controller']);
    expect(String(env.KAFKA_CONTROLLER_QUORUM_VOTERS)).toMatch(/^1@/);
    expect(env.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR).toBe(1);
    expect(JSON.stringify(services)).not.toMatch(/zookeeper/i);
  });

  it('publishes ports on loopback only', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const port of service.ports ?? []) expect(port, name).toMatch(/^127\.0\.0\.1:/);
    }
  });
});
