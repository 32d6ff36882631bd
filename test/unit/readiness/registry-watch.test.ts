/** The registry watcher's verdicts (when an instance appeared, left, came back) and the live-standby probe. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { RegistryWatch, liveStandby } from '../../../readiness/lib/deploy.ts';
import type { InstanceInfo } from '../../../src/deploy/types.ts';

const inst = (id: string, over: Partial<InstanceInfo> = {}): InstanceInfo => ({
  id, service: 'gateway', slot: id.split('-')[0]!, version: 'v1', url: 'http://127.0.0.1:9', socket: null, pid: 1, started_at: '', heartbeat_at: '', active: false, ...over,
});

function watchWith(polls: Array<[number, string[] | null]>): RegistryWatch {
  const w = new RegistryWatch(() => 0);
  for (const [t_ms, ids] of polls) w.polls.push({ t_ms, ok: ids !== null, instances: (ids ?? []).map((id) => inst(id)) });
  return w;
}

describe('registry watch', () => {
  it('says when an instance was first listed', () => {
    const w = watchWith([[0, ['blue-1']], [100, null], [200, ['blue-1', 'green-2']]]);
    expect(w.firstSeen((i) => i.id === 'green-2')?.t_ms).toBe(200);
    expect(w.firstSeen((i) => i.id === 'blue-1', 50)?.t_ms).toBe(200);
    expect(w.failedPolls).toBe(1);
  });

  it('says when an instance left for good, and whether it came back in between', () => {
    expect(watchWith([[0, ['g-1']], [100, ['g-1']], [200, []], [300, []]]).goneFor('g-1', 50)).toEqual({ t_ms: 200, cameBack: false });
    // a failed poll says nothing either way
    expect(watchWith([[0, ['g-1']], [100, null], [200, []]]).goneFor('g-1')).toEqual({ t_ms: 200, cameBack: false });
    expect(watchWith([[0, ['g-1']], [100, []], [200, ['g-1']], [300, []]]).goneFor('g-1')).toEqual({ t_ms: 300, cameBack: true });
    // listed at the last poll: not gone
    expect(watchWith([[0, ['g-1']], [100, []], [200, ['g-1']]]).goneFor('g-1')).toBeUndefined();
    expect(watchWith([[0, ['g-1']], [100, ['g-1']], [200, []]]).lastListed('g-1')).toBe(100);
  });
});

describe('live standby', () => {
  it('is an instance of another slot that answers /health, not merely a listed one', async () => {
    const server = createServer((_req, res) => res.writeHead(200).end('{"status":"ok"}'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const status = (instances: InstanceInfo[]) => ({ active_slot: 'blue', version: 'v2', previous_slot: 'green', previous_version: 'v1', instances, history: [] });
      const ghost = inst('green-1', { url: 'http://127.0.0.1:9' });
      expect(await liveStandby(status([inst('blue-2', { url }), ghost]))).toBeUndefined();
      expect((await liveStandby(status([inst('blue-2', { url }), ghost, inst('green-3', { url })])))?.id).toBe('green-3');
    } finally {
      server.close();
    }
  });
});
