/**
 * Redis reached and its auth proven: connect (AUTH with the URL's password, if any) and PING,
 * with the reply errors ioredis reports on its `error` event (NOAUTH, WRONGPASS, a protocol
 * error when an HTTP server answers) turned into the line that names the fix.
 */
import { Redis } from 'ioredis';
import { ExitCode } from '../util/exit-codes.ts';
import { redactUrl } from '../util/redact.ts';
import { PROBE_TIMEOUT_MS, classifyWireError, speaksPlainRedis } from './transport.ts';
import type { Names, Problem } from './types.ts';
import { wireProblem } from './wire.ts';

/** Connect + PING, or the errors seen on the way (the last is the one that ended it). */
async function ping(url: string): Promise<{ ok: true; version: string | undefined } | { ok: false; errors: unknown[] }> {
  const errors: unknown[] = [];
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: PROBE_TIMEOUT_MS,
    commandTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
    enableReadyCheck: false,
    // after a failed connect the stream never closes again: ioredis's default 2 s would hold the process that long
    disconnectTimeout: 100,
  });
  client.on('error', (err: unknown) => errors.push(err));
  try {
    await client.connect();
    await client.ping();
    const info = await client.info('server').catch(() => '');
    return { ok: true, version: /redis_version:(\S+)/.exec(info)?.[1] };
  } catch (err) {
    errors.push(err);
    return { ok: false, errors };
  } finally {
    client.disconnect();
  }
}

const text = (err: unknown): string => String((err as { message?: unknown })?.message ?? err);

export async function proveRedis(url: string, names: Names): Promise<{ problems: Problem[]; found?: string }> {
  const usage = (message: string): { problems: Problem[] } => ({ problems: [{ service: 'redis', exitCode: ExitCode.Usage, message }] });
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return usage(`${names.redisUrl} is not a URL: set it like redis://127.0.0.1:6379 (redis://:<password>@host:port with a password)`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    return usage(`${names.redisUrl}=${redactUrl(url)} is not a Redis URL (${u.protocol}//): set it like redis://${u.host || '127.0.0.1:6379'}`);
  }
  // A TLS hello to a plain Redis port waits for a line it never ends: ask the port in plain text first (a TLS port closes at once).
  if (u.protocol === 'rediss:' && (await speaksPlainRedis(u))) return usage(`${names.redisUrl} is rediss:// but ${u.host} speaks plain Redis (no TLS): use redis://${u.host}`);
  const r = await ping(url);
  if (r.ok) return { problems: [], found: `Redis${r.version ? ` ${r.version}` : ''}` };
  const messages = r.errors.map(text);
  const at = u.host;
  const said = (re: RegExp): string | undefined => messages.find((m) => re.test(m));
  if (said(/^NOAUTH/)) return usage(`Redis at ${at} requires a password (NOAUTH): put it in ${names.redisUrl} as ${u.protocol}//:<password>@${at}`);
  if (said(/^WRONGPASS|invalid password|invalid username-password/i)) {
    return usage(`Redis at ${at} refused the ${u.username ? 'user name or password' : 'password'} in ${names.redisUrl} (WRONGPASS): fix it`);
  }
  if (said(/^DENIED/)) return usage(`Redis at ${at} refuses clients from this host (protected mode, DENIED): give it a password (requirepass) and put it in ${names.redisUrl}`);
  if (said(/Protocol error, got "H"/)) return usage(`${names.redisUrl}=${redactUrl(url)} answers HTTP, not Redis: set it to the Redis URL (redis://host:6379)`);
  // the wire: the first socket-level error says more than ioredis's "Connection is closed."
  const wire = r.errors.map(classifyWireError).find((c) => c.failure !== 'other') ?? classifyWireError(r.errors[0]);
  return { problems: [await wireProblem('redis', 'Redis', url, names.redisUrl, wire, names.start)] };
}
