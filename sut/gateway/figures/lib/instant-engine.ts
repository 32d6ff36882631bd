/**
 * `node --import tsx instant-engine.ts <engine url> <api key>`: a stand-in engine for the
 * gateway-bound phase (gateway-bound.ts). It forwards every call to the real engine, except that
 * once it has one real search answer, it answers every further search with those very bytes at
 * once. A gateway in front of it then does all of its work per uncached search (the answer is
 * parsed, shaped, cached) while the engine never holds it back, so the gateway tier saturates
 * first. Listens on a free loopback port and prints `listening <port>` on stdout.
 */
import { createServer, request, type IncomingHttpHeaders } from 'node:http';

const [upstreamArg, apiKey] = process.argv.slice(2);
if (!upstreamArg || apiKey === undefined) {
  console.error('usage: instant-engine.ts <engine url> <api key>');
  process.exit(2);
}
const upstream = new URL(upstreamArg);
let answer: { status: number; headers: IncomingHttpHeaders; body: Buffer } | null = null;

const isSearch = (method: string | undefined, url: string | undefined) => method === 'POST' && /\/points\/(query|search)(\?|$)/.test(url ?? '');

const server = createServer((req, res) => {
  if (answer && isSearch(req.method, req.url)) {
    const canned = answer;
    req.resume();
    req.on('end', () => {
      res.writeHead(canned.status, { 'content-type': 'application/json', 'content-length': canned.body.length });
      res.end(canned.body);
    });
    return;
  }
  const forward = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host, 'api-key': apiKey } }, (up) => {
    const chunks: Buffer[] = [];
    up.on('data', (c: Buffer) => chunks.push(c));
    up.on('end', () => {
      const body = Buffer.concat(chunks);
      if (!answer && up.statusCode === 200 && isSearch(req.method, req.url)) answer = { status: 200, headers: up.headers, body };
      const headers = { ...up.headers, 'content-length': String(body.length) };
      delete headers['transfer-encoding'];
      res.writeHead(up.statusCode ?? 502, headers);
      res.end(body);
    });
  });
  forward.on('error', (err) => {
    res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`instant engine: the real engine is unreachable: ${err.message}`);
  });
  req.pipe(forward);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : 0}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
