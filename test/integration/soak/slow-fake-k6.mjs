#!/usr/bin/env node
// k6 for the soak wiring test: the suite's fake k6 (test/integration/k6/fake-k6.mjs), after
// FAKE_K6_SLEEP_S seconds of "running", so that the resource sampler beside it takes samples.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const fake = fileURLToPath(new URL('../k6/fake-k6.mjs', import.meta.url));
const args = process.argv.slice(2);
if (args[0] === 'run') await new Promise((r) => setTimeout(r, Number(process.env.FAKE_K6_SLEEP_S ?? '3') * 1000));
const child = spawn(process.execPath, [fake, ...args], { stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 1));
