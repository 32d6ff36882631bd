import { describe, expect, it } from 'vitest';
import { planDeploy, planRollback, type SlotView } from '../../../src/deploy/plan.ts';
import { mergeSlots } from '../../../src/deploy/slots.ts';
import type { InstanceInfo } from '../../../src/deploy/types.ts';
import type { GatewayInfo, SlotInfo } from '../../../src/launcher/types.ts';

const view = (slot: string, over: Partial<SlotView> = {}): SlotView => ({ slot, version: '1', pid: slot === 'blue' ? 10 : 20, url: `http://x/${slot}`, socket: `/r/gateway-${slot}.sock`, active: false, source: 'registry', ...over });

describe('deploy plan', () => {
  it('goes into the idle slot and keeps the active one as the standby', () => {
    const p = planDeploy(['blue', 'green'], 'blue', [view('blue', { active: true })]);
    expect(p).toMatchObject({ target: 'green', from: { slot: 'blue' }, stopFirst: null });
  });

  it('stops the old standby in the idle slot first', () => {
    const p = planDeploy(['blue', 'green'], 'green', [view('blue', { version: 'old' }), view('green', { active: true })]);
    expect(p.target).toBe('blue');
    expect(p.stopFirst).toMatchObject({ slot: 'blue', version: 'old' });
    expect(p.from?.slot).toBe('green');
  });

  it('refuses a configuration with a single slot', () => {
    expect(() => planDeploy(['blue'], 'blue', [])).toThrow(/blue\/green needs two/);
  });

  it('rolls back to the running standby, or says there is none', () => {
    const r = planRollback('green', [view('blue'), view('green', { active: true })]);
    expect('target' in r && r.target.slot).toBe('blue');
    const none = planRollback('blue', [view('blue', { active: true })]);
    expect('reason' in none && none.reason).toMatch(/nothing to roll back to: only blue runs/);
  });
});

describe('live slots: the registry, completed by stack.json', () => {
  const slot = (name: string, pid: number): SlotInfo => ({ name, pid, log: '', url: `http://tcp/${name}`, socket: `/r/gateway-${name}.sock`, version: `v-${name}`, configDir: '/c', startedAt: '' });
  const gw = { slots: [slot('blue', 10), slot('green', 20)] } as unknown as GatewayInfo;
  const inst = (slotName: string, pid: number, version: string): InstanceInfo => ({ id: `${slotName}-${pid}`, service: 'gateway', slot: slotName, version, url: `http://reg/${slotName}`, socket: null, pid, started_at: '', heartbeat_at: '', active: false });

  it('prefers the registry entry, adds stack.json slots the registry lacks, skips dead processes', () => {
    const alive = (pid: number) => pid !== 30;
    const out = mergeSlots(gw, 'green', [inst('green', 20, 'v2'), inst('red', 30, 'stale')], alive);
    expect(out.map((s) => [s.slot, s.version, s.source, s.active])).toEqual([
      ['blue', 'v-blue', 'stack.json', false],
      ['green', 'v2', 'registry', true],
    ]);
  });

  it('uses stack.json alone for container slots: their registry pids and URLs are the containers\' own', () => {
    // pid 1 is alive on the host (init), yet it is not the slot's process there
    const out = mergeSlots(gw, 'green', [inst('green', 1, 'v2'), inst('red', 1, 'elsewhere')], (pid) => pid === 1 || pid === 10 || pid === 20, true);
    expect(out.map((s) => [s.slot, s.pid, s.url, s.source])).toEqual([
      ['blue', 10, 'http://tcp/blue', 'stack.json'],
      ['green', 20, 'http://tcp/green', 'stack.json'],
    ]);
  });

  it('falls back to stack.json alone when the registry says nothing (Redis down)', () => {
    const out = mergeSlots(gw, 'blue', [], (pid) => pid === 10);
    expect(out).toEqual([{ slot: 'blue', version: 'v-blue', pid: 10, url: 'http://tcp/blue', socket: '/r/gateway-blue.sock', active: true, source: 'stack.json' }]);
  });
});
