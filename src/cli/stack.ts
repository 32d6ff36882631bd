import { join } from 'node:path';
import { stackDown, stackStatus, stackUp, readStackInfo, STACK_FILE } from '../launcher/launcher.ts';
import { tailLog } from '@vdb-readiness/local-process';
import { CliCommand, runCli } from '../util/cli.ts';
import { ExitCode } from '../util/exit-codes.ts';
import { UserError } from '../util/errors.ts';
import { integer, option } from '../util/options.ts';
import { stackDir } from '../util/paths.ts';

const program = new CliCommand('stack')
  .description('The local reference stack: Redis, Qdrant (or qdrant-local), the gateway behind nginx, all on loopback')
  .option('--dir <dir>', 'state directory (default .stack/ or VDB_STACK_DIR)');

const dirOf = (): string => (program.opts<{ dir?: string }>().dir ?? stackDir());

program
  .command('up')
  .description('start the stack (harmless when it already runs) and write stack.json')
  .option('--seed-ports', 'use 6333/6334 (qdrant), 6379 (redis), 8000 (gateway) instead of free ports')
  .option('--no-gateway', 'start only the data tier (Redis and Qdrant)')
  .addOption(option('--gateway-workers <n>', 'processes per gateway slot (sets GATEWAY_WORKERS for the slots it starts; default: production.yaml api_gateway.workers)', integer({ min: 1, max: 64 })))
  .action(async (o: { seedPorts?: boolean; gateway: boolean; gatewayWorkers?: number }) => {
    const started = Date.now();
    // the slots inherit this process's environment (src/launcher/services/gateway.ts)
    if (o.gatewayWorkers !== undefined) process.env.GATEWAY_WORKERS = String(o.gatewayWorkers);
    const info = await stackUp({ dir: dirOf(), seedPorts: o.seedPorts, gateway: o.gateway, log: (l) => console.log(l) });
    console.log(`stack up in ${((Date.now() - started) / 1000).toFixed(1)} s: ${join(info.dir, STACK_FILE)}`);
  });

program
  .command('down')
  .description('stop every process the stack started (data and logs are kept)')
  .action(async () => {
    const { stopped } = await stackDown(dirOf());
    console.log(stopped.length ? `stopped ${stopped.length} process(es): ${stopped.join(' ')}` : `no stack running in ${dirOf()}`);
  });

program
  .command('status')
  .description('what runs and whether it is healthy (exit 0 only when all is healthy)')
  .option('--json', 'print JSON')
  .action(async (o: { json?: boolean }) => {
    const st = await stackStatus(dirOf());
    if (o.json) console.log(JSON.stringify(st, null, 2));
    else if (!st.running && st.services.length === 0) console.log(`no stack in ${st.dir} (start one with \`npm run stack -- up\`)`);
    else {
      for (const s of st.services) {
        const state = !s.alive ? 'DOWN' : s.healthy ? 'healthy' : 'UNHEALTHY';
        const slot = s.version !== undefined ? ` ${s.version}${s.active ? ' (active)' : ' (standby)'}` : '';
        console.log(`${s.name.padEnd(16)} ${state.padEnd(10)} pid ${String(s.pid).padEnd(8)} ${s.url ?? ''}${slot}`);
      }
    }
    return st.healthy ? ExitCode.Ok : st.running ? ExitCode.Failed : ExitCode.Unreachable;
  });

program
  .command('logs')
  .description('the last lines of each service log (or of one)')
  .argument('[service]', 'redis, qdrant, nginx, gateway-blue…')
  .addOption(option('-n, --lines <n>', 'lines per log', integer({ min: 1 })).default(30))
  .action((service: string | undefined, o: { lines: number }) => {
    const info = readStackInfo(dirOf());
    if (!info) throw new UserError(`no stack in ${dirOf()}: start one with \`npm run stack -- up\``);
    const logs: Array<[string, string]> = [
      ['redis', info.redis.log],
      ['qdrant', info.qdrant.log],
      ...(info.gateway ? ([['nginx', info.gateway.nginx.log], ...info.gateway.slots.map((s) => [`gateway-${s.name}`, s.log])] as Array<[string, string]>) : []),
    ];
    const chosen = service ? logs.filter(([n]) => n === service || n.startsWith(service)) : logs;
    if (chosen.length === 0) throw new UserError(`no service "${service}" (known: ${logs.map(([n]) => n).join(', ')})`);
    for (const [name, path] of chosen) {
      console.log(`==> ${name} (${path})`);
      for (const line of tailLog(path, o.lines)) console.log(line);
    }
  });

await runCli(program);
