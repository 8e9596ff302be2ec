// The baseline: Fastify with one route answering a constant JSON body, nothing else (no database,
// no authentication, no logging). Run by validate.bench.mjs in its own process.
import Fastify from 'fastify';

const port = Number(process.env.PORT ?? 0);
const app = Fastify({ logger: false });
const answer = { valid: true, code: 'VALID' };

app.post('/', async () => answer);

const shutdown = () => app.close().then(() => process.exit(0));
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);

await app.listen({ host: '127.0.0.1', port });
