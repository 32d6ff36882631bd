import { MODEL_NAMES, type ConfigFileName, type ProductionFile } from './schema.ts';

/** What the checks look at: the parsed production file, the keys from GATEWAY_API_KEYS, the overrides applied. */
export interface BootInput {
  production: ProductionFile;
  apiKeys: ReadonlyMap<string, string>;
  /** Environment variables that overrode a file value (named in the messages). */
  overrides: readonly string[];
}

export interface BootProblem {
  file: ConfigFileName;
  /** One line, starting with the file and path, as the schema's problems do. */
  message: string;
}

/**
 * What the gateway refuses at start-up beyond what one field's schema can say (config/schema.ts
 * holds those: ranges, CIDRs, a /0 trusted proxy, ...). Run by `loadConfig` (so by
 * validate-config, `GET /api/v1/config/validate` and `server.ts`) and again by `build()`, so that
 * validate-config accepts exactly what boots. Add a refusal here or in the schema, never in
 * server.ts or build(); test/unit/bootable.test.ts holds validate-config and start-up together.
 */
export function bootProblems(input: BootInput): BootProblem[] {
  const prod = input.production.production_deployment;
  const problems: BootProblem[] = [];
  const add = (path: string, env: string | null, text: string) => {
    const from = env && input.overrides.includes(env) ? ` (from ${env})` : '';
    problems.push({ file: 'production.yaml', message: `production.yaml: production_deployment.${path}${from}: ${text}` });
  };

  if (prod.security.api_key_auth && input.apiKeys.size === 0) {
    add('security.api_key_auth', null, 'is true but no API key is configured: set GATEWAY_API_KEYS=role=key,... (or api_key_auth: false)');
  }

  // undici's pool takes an origin only (its "invalid url" otherwise); the schema made sure it is a URL
  const qdrant = new URL(prod.configuration.qdrant.url);
  const extra = [qdrant.pathname !== '/' ? `path ${qdrant.pathname}` : '', qdrant.search ? 'a query' : '', qdrant.hash ? 'a fragment' : ''].filter(Boolean);
  if (extra.length > 0) {
    add('configuration.qdrant.url', 'QDRANT_URL', `must be an origin such as http://host:6333, without path, query or fragment (it has ${extra.join(', ')})`);
  }
  // every collection is ensured at start-up under its name: two specs for one name cannot both hold
  const names = [...MODEL_NAMES.map((m) => input.production.collections_production[m].collection ?? m), ...Object.keys(input.production.extra_collections)];
  for (const dup of new Set(names.filter((n, i) => names.indexOf(n) !== i))) {
    problems.push({ file: 'production.yaml', message: `production.yaml: collection ${dup} is defined twice` });
  }
  return problems;
}

/** `build()` was handed a configuration the gateway refuses (see `bootProblems`). */
export class ConfigInvalidError extends Error {
  override readonly name = 'ConfigInvalidError';
  constructor(readonly problems: string[]) {
    super(`configuration invalid: ${problems.join('; ')}`);
  }
}
