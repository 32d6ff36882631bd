/**
 * A body over the gateway's limit (1 MiB) gets its 413 even while the client is still sending
 * it: the gateway reads and drops the rest before answering and closing. Without that, Node
 * closes on unread data with a reset, and a proxy still writing the body (nginx) answers its
 * client 502 instead of the gateway's 413.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, TEST_KEY, type GatewayProcess } from '../helpers/gateway.ts';
import { startQdrantStub, type QdrantStub } from '../helpers/qdrant-stub.ts';
import { startRedisServer, type RedisServer } from '../helpers/redis.ts';

let redis: RedisServer;
let qdrant: QdrantStub;
let gw: GatewayProcess;

beforeAll(async () => {
  [redis, qdrant] = await Promise.all([startRedisServer(), startQdrantStub()]);
  gw = await startGateway({ qdrantUrl: qdrant.url, redisUrl: redis.url });
});

afterAll(async () => {
  await gw?.kill();
  await qdrant?.close();
  await redis?.stop();
});

interface Outcome {
  /** Every byte of the body was written without an error. */
  wroteAll: boolean;
  writeError: string | null;
  response: string;
  /** How the connection ended: `end` (FIN) or the socket error's code. */
  closed: string;
}

/** POSTs a `bytes`-long body in 64 KiB chunks, one every few ms, reading the answer meanwhile. */
function slowOverLimitPost(port: number, bytes: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const s: Socket = connect({ port, host: '127.0.0.1' });
    let response = '';
    let writeError: string | null = null;
    let sent = 0;
    let closed = '';
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      resolve({ wroteAll: sent >= bytes && writeError === null, writeError, response, closed });
    };
    s.on('data', (d) => (response += d.toString('latin1')));
    s.on('end', () => {
      closed ||= 'end';
      s.end();
    });
    s.on('error', (err: NodeJS.ErrnoException) => {
      closed ||= err.code ?? err.message;
      writeError ??= err.code ?? err.message;
    });
    s.on('close', finish);
    s.write(
      `POST /api/v1/vectors/search HTTP/1.1\r\nhost: x\r\nx-api-key: ${TEST_KEY}\r\ncontent-type: application/json\r\ncontent-length: ${bytes}\r\n\r\n`,
    );
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const tick = (): void => {
      if (s.destroyed || sent >= bytes) return;
      const n = Math.min(chunk.length, bytes - sent);
      s.write(chunk.subarray(0, n), (err) => {
        if (err) writeError ??= (err as NodeJS.ErrnoException).code ?? err.message;
      });
      sent += n;
      setTimeout(tick, 5);
    };
    setTimeout(tick, 50);
    setTimeout(() => {
      closed ||= 'timeout';
      s.destroy();
    }, 20_000);
  });
}

describe('a body over the limit', () => {
  it('is read to its end and answered 413 with the gateway\'s error, the connection closed with a FIN', async () => {
    const r = await slowOverLimitPost(gw.port, 3 * 1024 * 1024);
    expect(r.response).toMatch(/^HTTP\/1\.1 413 /);
    expect(r.response).toMatch(/GW_ERR_BODY_TOO_LARGE/);
    expect(r.response.toLowerCase()).toContain('connection: close');
    expect(r.writeError).toBeNull();
    expect(r.wroteAll).toBe(true);
    expect(r.closed).toBe('end');
  }, 30_000);
});
