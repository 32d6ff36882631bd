/**
 * Starts one gateway slot: loads and validates the configuration, builds the app, listens,
 * and on SIGTERM/SIGINT stops accepting, drains in-flight requests and exits.
 */
import { build } from './app.ts';
import { DEFAULT_CONFIG_DIR, loadConfig } from './config/load.ts';

const result = loadConfig(process.env.GATEWAY_CONFIG_DIR || DEFAULT_CONFIG_DIR);
if (!result.ok) {
  console.error(`gateway: configuration invalid (${result.problems.length} problem(s)):`);
  for (const p of result.problems) console.error(`  - ${p}`);
  process.exit(2);
}
const { config } = result;
const prod = config.production.production_deployment;
if (prod.security.api_key_auth && config.apiKeys.size === 0) {
  console.error('gateway: api_key_auth is on but no key is configured: set GATEWAY_API_KEYS=role=key,...');
  process.exit(2);
}

const app = await build({ config });
try {
  await app.listen({ host: prod.configuration.api_gateway.host, port: prod.configuration.api_gateway.port });
} catch (err) {
  app.log.fatal({ err }, 'gateway failed to start');
  process.exit(1);
}
app.log.info({ slot: config.slot, environment: prod.environment }, 'gateway ready');

let closing = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: draining in-flight requests');
    const force = setTimeout(() => {
      app.log.error('drain timed out: exiting');
      process.exit(1);
    }, prod.configuration.api_gateway.shutdown_grace_ms);
    force.unref();
    app.close().then(
      () => {
        app.log.info('drained: bye');
        process.exit(0);
      },
      (err: unknown) => {
        app.log.error({ err }, 'error while closing');
        process.exit(1);
      },
    );
  });
}
