import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { FAULTS_ENV, parseFaults, type FaultSpec } from '../faults.ts';
import { VERSION_LABEL } from './schema.ts';

/** What a slot is told by whoever starts it (the blue/green contract), beyond the files. */
export interface SlotEnvironment {
  /** GATEWAY_VERSION, else deployment.yaml `deployment.version`. */
  version: string;
  /** GATEWAY_INSTANCE_ID, else `<slot>-<pid>-<4 hex>`. */
  instanceId: string;
  /** GATEWAY_SOCKET (absolute): also listen on this unix socket. */
  socketPath: string | null;
  /** GATEWAY_ACTIVE_LINK (absolute): the slot is active while this link resolves to socketPath. */
  activeLink: string | null;
  /** GATEWAY_FAULTS parsed (rollback drills), or null: off. */
  faults: FaultSpec | null;
  /**
   * GATEWAY_ADVERTISE_URL: the URL the slot registers in the service registry, when the one it
   * listens on is not the one others reach it by (a container's published port); else null.
   */
  advertiseUrl: string | null;
}

/** A unix socket path holds at most 107 bytes (sun_path is 108 with its NUL). */
export const MAX_SOCKET_PATH_BYTES = 107;
const INSTANCE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

type Env = Record<string, string | undefined>;

/**
 * Reads GATEWAY_VERSION, GATEWAY_INSTANCE_ID, GATEWAY_SOCKET, GATEWAY_ACTIVE_LINK,
 * GATEWAY_ADVERTISE_URL and GATEWAY_FAULTS; each problem is one line naming the variable (loadConfig lists them with the
 * files' problems, so validate-config and start-up refuse the same). `set` lists those given.
 */
export function readSlotEnvironment(env: Env, slot: string, fileVersion: string | undefined): { value: SlotEnvironment; problems: string[]; set: string[] } {
  const problems: string[] = [];
  const set = ['GATEWAY_VERSION', 'GATEWAY_INSTANCE_ID', 'GATEWAY_SOCKET', 'GATEWAY_ACTIVE_LINK', 'GATEWAY_ADVERTISE_URL', FAULTS_ENV].filter((k) => Boolean(env[k]));

  const version = env.GATEWAY_VERSION || fileVersion || '0.0.0';
  if (env.GATEWAY_VERSION && !VERSION_LABEL.test(env.GATEWAY_VERSION)) {
    problems.push('GATEWAY_VERSION: must be 1-128 printable ASCII characters without spaces (it is sent as the x-gateway-version header)');
  }
  const instanceId = env.GATEWAY_INSTANCE_ID || `${slot}-${process.pid}-${randomBytes(2).toString('hex')}`;
  if (env.GATEWAY_INSTANCE_ID && !INSTANCE_ID.test(env.GATEWAY_INSTANCE_ID)) {
    problems.push('GATEWAY_INSTANCE_ID: must be 1-128 characters of A-Z a-z 0-9 . _ : - (it is part of a Redis key)');
  }

  const socketPath = env.GATEWAY_SOCKET ? resolve(env.GATEWAY_SOCKET) : null;
  if (socketPath && Buffer.byteLength(socketPath) > MAX_SOCKET_PATH_BYTES) {
    problems.push(`GATEWAY_SOCKET: ${socketPath} is ${Buffer.byteLength(socketPath)} bytes; a unix socket path holds at most ${MAX_SOCKET_PATH_BYTES}: use a shorter directory`);
  }
  const activeLink = env.GATEWAY_ACTIVE_LINK ? resolve(env.GATEWAY_ACTIVE_LINK) : null;
  if (activeLink && !socketPath) {
    problems.push('GATEWAY_ACTIVE_LINK: is set without GATEWAY_SOCKET: the slot is active when the link resolves to its socket, so set both (or neither: always active)');
  }

  let advertiseUrl: string | null = null;
  if (env.GATEWAY_ADVERTISE_URL) {
    try {
      const u = new URL(env.GATEWAY_ADVERTISE_URL);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http');
      advertiseUrl = u.origin;
    } catch {
      problems.push(`GATEWAY_ADVERTISE_URL: ${env.GATEWAY_ADVERTISE_URL} is not an http(s) URL such as http://10.0.0.5:8000`);
    }
  }

  let faults: FaultSpec | null = null;
  if (env[FAULTS_ENV]) {
    const parsed = parseFaults(env[FAULTS_ENV]);
    problems.push(...parsed.problems);
    faults = parsed.spec;
  }
  return { value: { version, instanceId, socketPath, activeLink, faults, advertiseUrl }, problems, set };
}
