import { UserError } from '../util/errors.ts';

/** True for loopback hosts (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * Load against a host that is not loopback needs an explicit allow, so nobody load-tests
 * production by accident.
 */
export function assertLoadAllowed(url: string, opts: { allowRemoteLoad?: boolean; allowlist?: string[] } = {}): void {
  const host = new URL(url).hostname;
  if (isLoopbackHost(host) || opts.allowRemoteLoad || opts.allowlist?.includes(host)) return;
  throw new UserError(`refusing to send load to ${host}: it is not loopback; pass --allow-remote-load (or add it to the config allowlist) if you really mean to`);
}
