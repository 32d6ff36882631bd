import { mkdtempSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { readlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { activeLinkPath, linkActive, makeRunDir, readActiveLink, slotSocketPath } from '../../../src/launcher/active-link.ts';
import { renderNginxConf } from '../../../src/launcher/services/nginx.ts';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('the front door configuration', () => {
  it('has one upstream, the active link, with keepalive and a 10 s upstream keepalive_timeout, and no per-slot upstreams', () => {
    const conf = renderNginxConf({ prefix: '/p', host: '127.0.0.1', port: 8000, activeSocket: '/tmp/vdb-gw-abc/active.sock' });
    const upstream = /upstream gateway \{([^}]*)\}/.exec(conf)?.[1] ?? '';
    expect(upstream).toMatch(/server unix:\/tmp\/vdb-gw-abc\/active\.sock max_fails=0;/);
    expect(upstream).toMatch(/keepalive 256;/);
    expect(upstream).toMatch(/keepalive_timeout 10s;/);
    expect(conf).toMatch(/proxy_pass http:\/\/gateway;/);
    expect(conf.match(/^\s*upstream \w+ \{/gm)).toHaveLength(1);
    expect(conf).toMatch(/listen 127\.0\.0\.1:8000;/);
    expect(conf).not.toMatch(/\{\{/);
  });
});

describe('the active link', () => {
  it('lives in a short, world-readable run directory in the system temp dir', () => {
    dir = makeRunDir();
    expect(dir.startsWith(tmpdir())).toBe(true);
    expect(slotSocketPath(dir, 'green').length).toBeLessThan(100);
  });

  it('is switched by renaming a new link over it: relative target, never missing for a reader', async () => {
    dir = mkdtempSync(join(tmpdir(), 'vdb-link-'));
    for (const s of ['blue', 'green']) writeFileSync(slotSocketPath(dir, s), '');
    linkActive(dir, 'blue');
    expect(readlinkSync(activeLinkPath(dir))).toBe('gateway-blue.sock');
    expect(readActiveLink(dir)).toBe('blue');
    // a reader polling the link all along never finds it missing (rename is atomic)
    let missing = 0;
    let reads = 0;
    let stop = false;
    const reader = (async () => {
      while (!stop) {
        try {
          await readlink(activeLinkPath(dir as string));
        } catch {
          missing++;
        }
        reads++;
      }
    })();
    for (let i = 0; i < 2000; i++) {
      linkActive(dir, i % 2 ? 'blue' : 'green');
      if (i % 100 === 0) await new Promise((r) => setImmediate(r));
    }
    stop = true;
    await reader;
    expect(reads).toBeGreaterThan(0);
    expect(missing).toBe(0);
    expect(readActiveLink(dir)).toBe('blue');
  });

  it('reads as no slot when there is no link', () => {
    dir = mkdtempSync(join(tmpdir(), 'vdb-link-'));
    expect(readActiveLink(dir)).toBeNull();
  });
});
