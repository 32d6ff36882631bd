import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { errorMessage } from '../util/errors.ts';
import type { ServiceControl } from '../targets/control.ts';
import type { DeployControl } from '../targets/deploy-control.ts';
import { STOP_SIGNALS } from '../targets/deploy-control.ts';
import type { StopSignal } from '../targets/deploy-control.ts';

export interface ControlEndpoint {
  url: string;
  token: string;
  services: string[];
  /** Whether `/deploy`, `/rollback`, `/deployment` are served, and `/slot/<name>/stop`. */
  deploy: { available: boolean; stopSlot: boolean };
  close(): Promise<void>;
}

export interface ControlHooks {
  services?: ServiceControl;
  deploy?: DeployControl;
}

/** `POST /deploy`'s body: what a spec may ask of a deploy. */
export const deployBodySchema = z
  .object({
    version: z.string().min(1).max(128).optional(),
    env: z.record(z.string()).optional(),
    validate: z.boolean().optional(),
    analysis: z
      .object({
        interval_s: z.number().positive(),
        count: z.number().int().positive(),
        failure_limit: z.number().int().min(0),
        max_error_rate: z.number().min(0).max(1),
        max_p95_ms: z.number().positive(),
        probe_rate_per_s: z.number().positive(),
      })
      .partial()
      .strict()
      .optional(),
  })
  .strict();

/** Lines of the deployer's log handed back with a record (the tail). */
const LOG_LINES = 200;
const MAX_BODY = 64 * 1024;

async function readBody(req: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new Error('body too large');
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Spec workers cannot hold the target's control hooks (functions, processes), so the runner
 * serves them on loopback, bearer token per run: `POST /stop/<service>`, `POST /start/<service>`
 * (dependency faults), and the deploy control: `POST /deploy` (JSON body `{version, env,
 * validate, analysis}`), `POST /rollback` (both answer `{record, log}`), `GET /deployment`,
 * `POST /slot/<name>/stop?signal=TERM|KILL`. Deploy actions run one at a time (409 otherwise)
 * and may take minutes: the caller waits. Hand-written on node:http: a few routes do not
 * justify a framework.
 */
export async function serveControl(hooks: ControlHooks): Promise<ControlEndpoint> {
  const token = randomBytes(16).toString('hex');
  const services = hooks.services?.services ?? [];
  const deploy = hooks.deploy;
  let busy: string | null = null;

  const reply = (res: ServerResponse, status: number, body: unknown): void => {
    if (typeof body === 'string') res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
    else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

  /** A deploy action: one at a time, its log lines collected for the answer. */
  const exclusive = async (res: ServerResponse, what: string, run: (log: (l: string) => void) => Promise<unknown>, withLog: boolean): Promise<void> => {
    if (busy) return reply(res, 409, `${busy} is in progress: one deploy action at a time`);
    busy = what;
    const log: string[] = [];
    try {
      const result = await run((l) => {
        log.push(l);
        if (log.length > LOG_LINES) log.shift();
      });
      reply(res, 200, withLog ? { result, log } : result);
    } catch (err) {
      reply(res, 500, `${what} failed: ${errorMessage(err)}`);
    } finally {
      busy = null;
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.headers.authorization !== `Bearer ${token}`) return reply(res, 401, 'bad token');
    const url = new URL(req.url ?? '/', 'http://control');
    const path = url.pathname;
    const svc = /^\/(stop|start)\/([\w-]+)$/.exec(path);
    if (svc && req.method === 'POST') {
      const [, action, service] = svc as unknown as [string, 'stop' | 'start', string];
      if (!hooks.services || !services.includes(service)) return reply(res, 404, `unknown service ${service}`);
      await hooks.services[action](service);
      return reply(res, 200, `${action}ed ${service}`);
    }
    if (path === '/deploy' || path === '/rollback' || path === '/deployment' || path.startsWith('/slot/')) {
      if (!deploy) return reply(res, 404, 'this target has no deploy control (local stack, or --deploy-hook)');
      if (path === '/deployment' && req.method === 'GET') return reply(res, 200, await deploy.status());
      if (path === '/deploy' && req.method === 'POST') {
        let body: z.infer<typeof deployBodySchema>;
        try {
          const raw = await readBody(req);
          body = deployBodySchema.parse(raw.trim() ? JSON.parse(raw) : {});
        } catch (err) {
          return reply(res, 400, `bad deploy request: ${errorMessage(err).split('\n')[0]}`);
        }
        return exclusive(res, 'a deploy', (log) => deploy.deploy(body, log), true);
      }
      if (path === '/rollback' && req.method === 'POST') return exclusive(res, 'a rollback', (log) => deploy.rollback(log), true);
      const slot = /^\/slot\/([\w-]+)\/stop$/.exec(path);
      if (slot && req.method === 'POST') {
        const stopSlot = deploy.stopSlot?.bind(deploy);
        if (!stopSlot) return reply(res, 404, `this deploy control (${deploy.via}) cannot stop a single slot`);
        const signal = (url.searchParams.get('signal') ?? 'TERM').toUpperCase();
        if (!(STOP_SIGNALS as readonly string[]).includes(signal)) return reply(res, 400, `signal ${signal}: use TERM or KILL`);
        return exclusive(res, `stopping slot ${slot[1]}`, () => stopSlot(slot[1]!, signal as StopSignal), false);
      }
    }
    return reply(res, 404, 'POST /stop/<service>, /start/<service>, /deploy, /rollback, /slot/<name>/stop?signal=TERM|KILL; GET /deployment');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) reply(res, 500, errorMessage(err));
      else res.destroy();
    });
  });
  // Deploys take minutes: no server-side timeout cuts a waiting caller off.
  server.requestTimeout = 0;
  server.timeout = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    services,
    deploy: { available: deploy !== undefined, stopSlot: typeof deploy?.stopSlot === 'function' },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
