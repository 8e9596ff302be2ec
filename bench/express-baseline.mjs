// The baseline a user might otherwise build: a minimal Express server answering POST
// /api/v1/licenses/validate the most obvious way: the API key's SHA-256 and the licence looked up in
// SQLite (better-sqlite3), the activation checked, and an access log written by morgan to a file. No
// rate limits, no attack detection, no searchable or tamper-evident log. Run by express.bench.mjs in
// its own process; prints the same `BENCH {json}` line as logging-server.mjs.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import express from 'express';
import morgan from 'morgan';

const dataDir = process.env.KM_DATA_DIR;
const port = Number(process.env.KM_PORT ?? 0);
const db = new Database(path.join(dataDir, 'licences.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec(`
  create table api_keys (hash blob primary key, scope text not null);
  create table licenses (key text primary key, status text not null, expires_at text, max_activations int);
  create table activations (license_key text not null, fingerprint text not null,
    primary key (license_key, fingerprint));`);

const sha256 = (text) => createHash('sha256').update(text).digest();
const apiKey = `km_${randomBytes(24).toString('base64url')}`;
const licenseKey = randomBytes(10).toString('hex').toUpperCase();
db.prepare('insert into api_keys values (?, ?)').run(sha256(apiKey), 'licenses');
db.prepare('insert into licenses values (?, ?, ?, ?)').run(licenseKey, 'active', null, null);
db.prepare('insert into activations values (?, ?)').run(licenseKey, 'bench-machine');

const findKey = db.prepare('select scope from api_keys where hash = ?');
const findLicense = db.prepare('select * from licenses where key = ?');
const findActivation = db.prepare('select 1 from activations where license_key = ? and fingerprint = ?');

const app = express();
app.disable('x-powered-by');
app.use(
  morgan('combined', { stream: fs.createWriteStream(path.join(dataDir, 'access.log'), { flags: 'a' }) }),
);
app.use(express.json({ limit: '16kb' }));
app.post('/api/v1/licenses/validate', (req, res) => {
  const token = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
  if (!token || !findKey.get(sha256(token))) return res.status(401).json({ error: 'invalid API key' });
  const { license_key: key, fingerprint } = req.body ?? {};
  if (typeof key !== 'string' || typeof fingerprint !== 'string') {
    return res.status(422).json({ error: 'license_key and fingerprint are required' });
  }
  const license = findLicense.get(key);
  if (!license) return res.status(404).json({ valid: false, code: 'NOT_FOUND' });
  if (license.status !== 'active') return res.status(403).json({ valid: false, code: 'SUSPENDED' });
  if (license.expires_at && Date.parse(license.expires_at) < Date.now()) {
    return res.status(403).json({ valid: false, code: 'EXPIRED' });
  }
  if (!findActivation.get(key, fingerprint))
    return res.status(403).json({ valid: false, code: 'NOT_ACTIVATED' });
  res.json({
    valid: true,
    code: 'VALID',
    license: { status: license.status, expires_at: license.expires_at },
  });
});

const server = app.listen(port, '127.0.0.1', () => {
  console.log(
    `BENCH ${JSON.stringify({ key: apiKey, body: { license_key: licenseKey, fingerprint: 'bench-machine' } })}`,
  );
});
const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
