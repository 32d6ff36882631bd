/**
 * Starts one gateway slot: loads and validates the configuration, builds the app, listens,
 * and on SIGTERM/SIGINT stops accepting, drains in-flight requests and exits.
 */
import { boot } from './boot.ts';
import { ExitCode } from './cli/exit-codes.ts';
import { DEFAULT_CONFIG_DIR } from './config/load.ts';

const booted = await boot(process.env.GATEWAY_CONFIG_DIR || DEFAULT_CONFIG_DIR, process.env);
if (!booted.ok) {
  // the lines `npm run validate-config` prints for this directory and environment
  console.error(`gateway: configuration invalid (${booted.problems.length} problem(s)):`);
  for (const p of booted.problems) console.error(`  - ${p}`);
  process.exit(ExitCode.InvalidConfig);
}
const { app, config } = booted;
const prod = config.production.production_deployment;

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
