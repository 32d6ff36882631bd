/** Runs python_upload.py (qdrant-client, in the qdrant-local venv) on the same points. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DatasetSpec } from '../../tests/helpers/dataset.ts';
import { fillVectors, payloadAt } from '../../tests/helpers/dataset.ts';
import { PersonError } from '../../tests/helpers/errors.ts';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'python_upload.py');
const TIMEOUT_MS = 30 * 60_000;

export interface PythonUploadFigures {
  points: number;
  counted: number;
  seconds: number;
  pointsPerSecond: number;
}

export async function runPythonUpload(python: string, url: string, apiKey: string | undefined, spec: DatasetSpec, size: number, batch: number): Promise<PythonUploadFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-engine-py-'));
  try {
    const vectors = join(dir, 'vectors.f32');
    const payloads = join(dir, 'payloads.jsonl');
    const flat = fillVectors(spec, 0, size);
    writeFileSync(vectors, Buffer.from(flat.buffer, flat.byteOffset, flat.byteLength));
    writeFileSync(payloads, Array.from({ length: size }, (_, i) => JSON.stringify(payloadAt(spec, i))).join('\n') + '\n');
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(python, [SCRIPT, url, 'bench-engine-python', vectors, payloads, String(spec.dim), String(batch)], {
        env: { ...process.env, QDRANT_API_KEY: apiKey ?? '' },
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: TIMEOUT_MS,
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => {
        if (code === 0) resolve(stdout);
        else reject(new PersonError(`the Python qdrant-client upload failed (exit ${code}): ${stderr.trim().split('\n').pop() ?? ''}`));
      });
    });
    return JSON.parse(out.trim().split('\n').pop()!) as PythonUploadFigures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
