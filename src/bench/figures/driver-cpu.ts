/**
 * Figure: the driver's CPU per request against wrk (and autocannon) in the same run, on a local
 * stub server. Goal ≤ 1.5× wrk. Like `npm run bench -- calibrate`, but the tools take turns over
 * several rounds (the machine's background load drifts); prints, never asserts.
 *   npx tsx scenarios/bench/driver-cpu.ts [connections] [seconds per round] [rounds]
 */
import { calibrate, renderCalibration } from '../calibrate.ts';

const connections = Number(process.argv[2] ?? 16);
const durationS = Number(process.argv[3] ?? 3);
const rounds = Number(process.argv[4] ?? 3);
const report = await calibrate({ connections, durationS, rounds, dim: 128, wrk: true }, (l) => console.error(l));
console.log(renderCalibration(report));
