/**
 * Failure modes of the producer that need no broker: nothing listening (refused at once) and a
 * peer that accepts connections but never answers (what a dropped network looks like).
 */
import net from 'node:net';
import { logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/services/postgres.js';
import { createKafka } from '../../shared/kafka/client.js';
import { BrokerUnavailableError, createLazyProducer, FAST_FAIL_CLIENT_SETTINGS } from '../../shared/kafka/producer.js';

const client = (brokers: string) => () =>
  createKafka({ brokers, clientId: 'producer-test', ...FAST_FAIL_CLIENT_SETTINGS, logLevel: logLevel.NOTHING });

let silentPeer: net.Server;
let silentPeerAddress: string;
const peerSockets = new Set<net.Socket>();

beforeAll(async () => {
  silentPeer = net.createServer((socket) => {
    peerSockets.add(socket);
    socket.on('data', () => undefined);
  });
  await new Promise<void>((resolve) => silentPeer.listen(0, '127.0.0.1', resolve));
  silentPeerAddress = `127.0.0.1:${(silentPeer.address() as net.AddressInfo).port}`;
});

afterAll(async () => {
  for (const socket of peerSockets) socket.destroy();
  await new Promise((resolve) => silentPeer.close(resolve));
});

describe('createLazyProducer', () => {
  it('reports a refused connection as BrokerUnavailableError, and tries again on the next send', async () => {
    const producer = createLazyProducer('orders', client(`127.0.0.1:${await freePort()}`));
    for (let attempt = 0; attempt < 2; attempt++) {
      const failure = await producer.send({ key: 'k', value: 'v' }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(BrokerUnavailableError);
      expect((failure as Error).message).toMatch(/could not write to topic "orders": .*ECONNREFUSED/);
    }
    await producer.disconnect();
  });

  it('gives up at its deadline when the broker never answers', async () => {
    const producer = createLazyProducer('orders', client(silentPeerAddress), 300);
    const failure = await producer.send({ key: 'k', value: 'v' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BrokerUnavailableError);
    expect((failure as Error).message).toContain('no acknowledgement within 300 ms');
    await producer.disconnect();
  });
});
