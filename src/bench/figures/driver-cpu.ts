/**
 * Figure: the driver's CPU per request against wrk (and autocannon) in the same run, on a local
 * stub server. Goal ≤ 1.5× wrk. Like `npm run bench -- calibrate`, but the tools take turns over
 * several rounds (the machine's background load drifts); prints, never asserts.
 *   npx tsx src/bench/figures/driver-cpu.ts [connections] [seconds per round] [rounds]
 */
import { CliCommand, runCli } from '../../util/cli.ts';
import { DURATION_HINT, argument, duration, integer } from '../../util/options.ts';
import { calibrate, renderCalibration } from '../calibrate.ts';

const program = new CliCommand('driver-cpu')
  .description("figure: the driver's CPU per request against wrk and autocannon, taking turns over rounds (prints, never asserts)")
  .addArgument(argument('[connections]', 'connections', integer({ min: 1, max: 1024 })).default(16))
  .addArgument(argument('[seconds]', `time per tool and round (${DURATION_HINT})`, duration({ min: 1, max: 600 })).default(3))
  .addArgument(argument('[rounds]', 'rounds', integer({ min: 1, max: 100 })).default(3))
  .action(async (connections: number, durationS: number, rounds: number) => {
    const report = await calibrate({ connections, durationS, rounds, dim: 128, wrk: true }, (l) => console.error(l));
    console.log(renderCalibration(report));
  });

await runCli(program);
