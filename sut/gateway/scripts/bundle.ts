/**
 * `tsx sut/gateway/scripts/bundle.ts [--outfile dist/gateway.mjs]`: the gateway as one ESM file
 * for the image (Dockerfile, build stage). The workspace packages (`@vdb-readiness/*`) are
 * bundled in; every other import must be a dependency of sut/gateway/package.json and stays
 * external (the image installs those with `npm ci --omit=dev -w @vdb-readiness/gateway`).
 * Anything else the gateway imports (a package only the suite or devDependencies provide) fails
 * the build instead of being bundled in silently.
 */
import { readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Metafile, type Plugin } from 'esbuild';

const GATEWAY_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WORKSPACE_SCOPE = '@vdb-readiness/';

/** The package an import names: "fastify/types/x.js" → "fastify", "@a/b/c" → "@a/b". */
export function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
}

/** The gateway's production dependencies (sut/gateway/package.json). */
export function gatewayDependencies(): string[] {
  const pkg = JSON.parse(readFileSync(join(GATEWAY_DIR, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  return Object.keys(pkg.dependencies ?? {});
}

/** Externals are the gateway's dependencies; workspace packages are bundled; anything else is an error. */
function dependencyPolicy(dependencies: string[]): Plugin {
  const external = new Set(dependencies.filter((d) => !d.startsWith(WORKSPACE_SCOPE)));
  return {
    name: 'gateway-dependencies',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        if (isBuiltin(args.path)) return { path: args.path, external: true };
        const name = packageOf(args.path);
        if (external.has(name)) return { path: args.path, external: true };
        if (name.startsWith(WORKSPACE_SCOPE) && dependencies.includes(name)) return undefined; // resolved and bundled by esbuild
        return { errors: [{ text: `${args.path} (imported by ${args.importer.replace(`${GATEWAY_DIR}/`, '')}) is not a dependency of sut/gateway/package.json` }] };
      });
    },
  };
}

export interface BundleResult {
  outfile: string;
  /** The external packages the bundle imports (node built-ins left out), sorted. */
  externalPackages: string[];
  metafile: Metafile;
}

/** Bundles sut/gateway/src/server.ts into `outfile`. */
export async function bundleGateway(outfile: string): Promise<BundleResult> {
  const result = await build({
    entryPoints: [join(GATEWAY_DIR, 'src', 'server.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    metafile: true,
    logLevel: 'silent',
    plugins: [dependencyPolicy(gatewayDependencies())],
  });
  const imports = Object.values(result.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path));
  const externalPackages = [...new Set(imports.filter((p) => !isBuiltin(p)).map(packageOf))].sort();
  return { outfile, externalPackages, metafile: result.metafile };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const i = process.argv.indexOf('--outfile');
  const outfile = resolve(i > 0 && process.argv[i + 1] ? (process.argv[i + 1] as string) : join('dist', 'gateway.mjs'));
  try {
    const r = await bundleGateway(outfile);
    console.log(`bundled ${outfile}; external: ${r.externalPackages.join(', ')}`);
  } catch (err) {
    const errors = (err as { errors?: Array<{ text: string }> }).errors;
    console.error(`bundle failed: ${errors?.map((e) => e.text).join('; ') ?? (err as Error).message}`);
    process.exitCode = 1;
  }
}
