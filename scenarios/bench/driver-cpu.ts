/**
 * Figure: the driver's CPU per request against wrk (and autocannon) in the same run, on a local
 * stub server. Goal ≤ 1.5× wrk. Same as `npm run bench -- calibrate`; prints, never asserts.
 *   npx tsx scenarios/bench/driver-cpu.ts [connections] [seconds]
 */
import { calibrate, renderCalibration } from '../../src/bench/calibrate.ts';

const connections = Number(process.argv[2] ?? 16);
const durationS = Number(process.argv[3] ?? 5);
const report = await calibrate({ connections, durationS, dim: 128, wrk: true }, (l) => console.error(l));
console.log(renderCalibration(report));
