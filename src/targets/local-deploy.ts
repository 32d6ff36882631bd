import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { isAlive, waitUntil } from '@vdb-readiness/local-process';
import { deploy, deploymentStatus, rollback } from '../deploy/index.ts';
import { defaultGatewayConfigDir } from '../launcher/gateway-config.ts';
import { readStackInfo } from '../launcher/launcher.ts';
import { activeSlotOf, gatewayStack, removeSlot } from '../launcher/slots.ts';
import { dockerOk } from './containers/docker.ts';
import type { DeployControl, RegistrySettings, SlotStopResult, StopSignal } from './deploy-control.ts';

/** The contract's defaults (service-orchestration.yaml `service_registry`), for what the file does not set. */
export const DEFAULT_REGISTRY: RegistrySettings = { heartbeat_s: 2, ttl_s: 6 };
/** How long a killed slot may take to be gone (the kernel, not a drain). */
const KILL_WAIT_MS = 10_000;

/** `service_registry.heartbeat_s` and `ttl_s` of a gateway configuration directory (defaults for what it lacks). */
export function readRegistrySettings(configDir: string): RegistrySettings {
  const file = join(configDir, 'service-orchestration.yaml');
  if (!existsSync(file)) return DEFAULT_REGISTRY;
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch {
    return DEFAULT_REGISTRY;
  }
  const reg = (doc as { service_orchestration?: { service_registry?: Record<string, unknown> } } | null)?.service_orchestration?.service_registry ?? {};
  const num = (v: unknown, d: number): number => (typeof v === 'number' && v > 0 ? v : d);
  return { heartbeat_s: num(reg.heartbeat_s, DEFAULT_REGISTRY.heartbeat_s), ttl_s: num(reg.ttl_s, DEFAULT_REGISTRY.ttl_s) };
}

/** The configuration directory of the stack's active slot (the one new slots inherit). */
function activeConfigDir(dir: string): string {
  const gw = readStackInfo(dir)?.gateway;
  const active = gw ? gw.slots.find((s) => s.name === gw.active) ?? gw.slots[0] : undefined;
  return active?.configDir ?? defaultGatewayConfigDir();
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // gone already
    }
  }
}

/** Deploys to the stack in `dir` (the local stack's, or a containers run's) with src/deploy, in this process (the runner). */
export function localDeployControl(dir: string, via = `local stack ${dir}`): DeployControl {
  return {
    via,
    get registry() {
      return readRegistrySettings(activeConfigDir(dir));
    },
    async deploy(req, log) {
      return deploy({
        dir,
        ...(req.version ? { version: req.version } : {}),
        ...(req.env ? { env: req.env } : {}),
        validate: req.validate ?? false,
        ...(req.analysis ? { analysis: req.analysis } : {}),
        ...(log ? { log } : {}),
      });
    },
    async rollback(log) {
      return rollback({ dir, ...(log ? { log } : {}) });
    },
    async status() {
      return deploymentStatus(dir);
    },
    async stopSlot(slot: string, signal: StopSignal): Promise<SlotStopResult> {
      const info = gatewayStack(dir);
      const s = info.gateway.slots.find((x) => x.name === slot);
      if (!s) throw new Error(`no slot ${slot} in ${info.dir} (running: ${info.gateway.slots.map((x) => x.name).join(', ') || 'none'})`);
      if (activeSlotOf(info.gateway) === slot) throw new Error(`slot ${slot} is the active one: the readiness specs only stop an idle slot`);
      const signalled_at = new Date().toISOString();
      if (signal === 'KILL') {
        if (s.container) await dockerOk(['kill', '--signal', 'KILL', s.container], { timeoutMs: 30_000 });
        else signalGroup(s.pid, 'SIGKILL');
        await waitUntil({ probe: () => !isAlive(s.pid), timeoutMs: KILL_WAIT_MS, intervalMs: 20 });
      }
      // TERM: the slot deregisters and drains; either way stack.json forgets it afterwards.
      await removeSlot(dir, slot);
      return { slot, pid: s.pid, signal, signalled_at, exited_at: isAlive(s.pid) ? null : new Date().toISOString() };
    },
  };
}
