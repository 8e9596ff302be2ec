// A KeyManager server for logging.bench.mjs: the real app from dist/, seeded in process, with every
// log on or (BENCH_LOGS=off) every log off, the security layer on or (BENCH_SECURITY=off) off. Prints one `BENCH {json}` line with what the load needs.
import { buildApp } from '../dist/app.js';
import { loadConfig } from '../dist/config/config.js';
import { unaudited } from '../dist/logging/activity.service.js';
import { DEFAULT_LOGGING_SETTINGS } from '../dist/logging/logging-settings.js';
import { createServices } from '../dist/services.js';

const config = loadConfig();
const services = await createServices(config);
if (process.env.BENCH_LOGS === 'off') {
  services.loggingSettings.replace({
    ...DEFAULT_LOGGING_SETTINGS,
    log_dashboard_activities: false,
    log_api_calls: false,
    log_failed_api_calls: false,
    log_blocklisted_api_calls: false,
  });
}
// The load comes from one address: limits high enough never to refuse it, so every check still runs.
const UNLIMITED = { limit: 1_000_000, window_seconds: 1 };
await services.securityRules.updateRateLimits(
  { per_ip: UNLIMITED, per_api_key: UNLIMITED, per_license_key: UNLIMITED },
  unaudited(services.core.db),
  null,
);
const app = await buildApp(services, { securityLayer: process.env.BENCH_SECURITY !== 'off' });
const { secret: admin } = await services.apiKeys.create({ name: 'bench', scope: 'admin', role: 'owner' });
const call = async (url, payload, key = admin) => {
  const response = await app.inject({
    method: 'POST',
    url,
    payload,
    headers: { authorization: `Bearer ${key}` },
  });
  if (response.statusCode >= 300) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
  return response.json();
};
const product = await call('/api/v1/products', { name: 'Bench' });
const customer = await call('/api/v1/customers', { name: 'Bench customer' });
const licence = await call('/api/v1/licenses', {
  product_id: product.id,
  customer_id: customer.id,
  max_activations: null,
});
const { secret: sdk } = await services.apiKeys.create({ name: 'bench sdk', scope: 'licenses' });
const body = { license_key: licence.key, fingerprint: 'bench-machine' };
await call('/api/v1/licenses/activate', body, sdk);
await app.listen({ host: '127.0.0.1', port: config.port });
console.log(`BENCH ${JSON.stringify({ key: sdk, body })}`);
const stop = async () => {
  await app.close();
  await services.close();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
