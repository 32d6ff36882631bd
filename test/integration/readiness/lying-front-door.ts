/**
 * A front door that loses requests at a switch, as one that reloads to switch does: a proxy in
 * front of the real stack's nginx that passes everything through until an answer comes from
 * another slot than the one before (`x-gateway-slot`); then it closes every idle client
 * connection at once and, for `resetForMs`, resets each connection a request arrives on
 * without answering. The rollback group's zero-loss checks must fail behind it.
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import type { Dispatcher } from 'undici';

export interface LyingFrontDoor {
  url: string;
  /** Switches seen (answers from another slot than before). */
  readonly switches: number;
  /** Requests reset without an answer. */
  readonly resets: number;
  /** Requests passed through. */
  readonly passed: number;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'host', 'content-length']);

function forward(h: IncomingHttpHeaders | Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined && !HOP_BY_HOP.has(k.toLowerCase())) out[k] = v;
  return out;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function startLyingFrontDoor(opts: { upstream: string; resetForMs?: number }): Promise<LyingFrontDoor> {
  const upstream = opts.upstream.replace(/\/$/, '');
  const resetForMs = opts.resetForMs ?? 500;
  const agent = new Agent({ keepAliveTimeout: 10_000 });
  let lastSlot: string | null = null;
  let resetUntil = 0;
  let switches = 0;
  let resets = 0;
  let passed = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    if (performance.now() < resetUntil) {
      resets++;
      req.socket.resetAndDestroy();
      return;
    }
    const up = await request(`${upstream}${req.url ?? '/'}`, {
      method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
      headers: forward(req.headers),
      body: body.length > 0 ? body : undefined,
      dispatcher: agent,
      headersTimeout: 60_000,
      bodyTimeout: 60_000,
    });
    const answer = Buffer.from(await up.body.arrayBuffer());
    const slot = up.headers['x-gateway-slot'];
    const s = Array.isArray(slot) ? slot[0] : slot;
    if (s && lastSlot !== null && s !== lastSlot) {
      switches++;
      resetUntil = performance.now() + resetForMs;
      // what a reload does to the connections it holds: the idle ones go at once
      server.closeIdleConnections();
    }
    if (s) lastSlot = s;
    passed++;
    res.writeHead(up.statusCode, { ...forward(up.headers), 'content-length': String(answer.length) }).end(answer);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end('lying front door: no answer upstream');
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 75_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get switches() {
      return switches;
    },
    get resets() {
      return resets;
    },
    get passed() {
      return passed;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await agent.close();
    },
  };
}
