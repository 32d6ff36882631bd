import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorMessage } from '../util/errors.ts';
import type { ServiceControl } from '../targets/control.ts';

export interface ControlEndpoint {
  url: string;
  token: string;
  services: string[];
  close(): Promise<void>;
}

/**
 * Spec workers cannot hold the target's control hooks (functions, processes), so the runner
 * serves them on loopback: `POST /stop/<service>`, `POST /start/<service>`, bearer token per run.
 * Hand-written on node:http: two routes do not justify a framework.
 */
export async function serveControl(control: ServiceControl): Promise<ControlEndpoint> {
  const token = randomBytes(16).toString('hex');
  const server = createServer((req, res) => {
    const reply = (status: number, text: string): void => {
      res.writeHead(status, { 'content-type': 'text/plain' }).end(text);
    };
    if (req.headers.authorization !== `Bearer ${token}`) return reply(401, 'bad token');
    const m = /^\/(stop|start)\/([\w-]+)$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !m) return reply(404, 'POST /stop/<service> or /start/<service>');
    const [, action, service] = m as unknown as [string, 'stop' | 'start', string];
    if (!control.services.includes(service)) return reply(404, `unknown service ${service}`);
    control[action](service).then(
      () => reply(200, `${action}ed ${service}`),
      (err: unknown) => reply(500, errorMessage(err)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    services: control.services,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
