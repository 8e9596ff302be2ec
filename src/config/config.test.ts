import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('runs on embedded SQLite in ./data with the contract defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config.host).toBe('127.0.0.1');
    expect(config.port).toBe(8080);
    expect(config.database).toEqual({ kind: 'sqlite', file: path.resolve('data', 'keymanager.db') });
    expect(config.trustProxy).toBe(false);
    expect(config.redisUrl).toBeUndefined();
  });

  it('runs one server process unless KM_WORKERS asks for more', () => {
    expect(loadConfig({}).workers).toBe(1);
    expect(loadConfig({}).workerSlot).toBeUndefined();
    expect(loadConfig({ KM_WORKERS: '4' }).workers).toBe(4);
    expect(() => loadConfig({ KM_WORKERS: '0' })).toThrow(/KM_WORKERS must be between 1 and 64/);
    expect(() => loadConfig({ KM_WORKERS: 'two' })).toThrow(/KM_WORKERS must be a whole number/);
  });

  it('uses PostgreSQL when KM_DATABASE_URL is a postgres URL', () => {
    const url = 'postgres://km@db.internal:5432/keymanager';
    expect(loadConfig({ KM_DATABASE_URL: url }).database).toEqual({ kind: 'postgres', url });
  });

  it('reads KM_TRUST_PROXY as a switch, a hop count or a list of proxies', () => {
    expect(loadConfig({ KM_TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ KM_TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ KM_TRUST_PROXY: '10.0.0.0/8, 192.168.1.1' }).trustProxy).toEqual([
      '10.0.0.0/8',
      '192.168.1.1',
    ]);
    expect(loadConfig({ KM_TRUST_PROXY: 'off' }).trustProxy).toBe(false);
    expect(loadConfig({ KM_TRUST_PROXY: 'loopback,2001:db8::/32' }).trustProxy).toEqual([
      'loopback',
      '2001:db8::/32',
    ]);
  });

  it.each([
    [{ KM_PORT: 'eighty' }, /KM_PORT must be a whole number/],
    [{ KM_PORT: '70000' }, /KM_PORT must be between 0 and 65535/],
    [{ KM_DATABASE_URL: 'mysql://db/km' }, /KM_DATABASE_URL must be a postgres/],
    [{ KM_COOKIE_SECURE: 'maybe' }, /KM_COOKIE_SECURE must be true or false/],
    [{ KM_LOG_LEVEL: 'loud' }, /KM_LOG_LEVEL must be one of/],
    [{ KM_TRUST_PROXY: '10.0.0.1, 010.0.0.2' }, /KM_TRUST_PROXY: 010\.0\.0\.2: .*not a plain IPv4/],
    [{ KM_TRUST_PROXY: '10.0.0.5/24' }, /KM_TRUST_PROXY: 10\.0\.0\.5\/24: .*host bits/],
    [{ KM_TRUST_PROXY: 'proxy.internal' }, /KM_TRUST_PROXY: proxy\.internal: .*not an IP address/],
  ])('fails fast with a reason naming the variable for %o', (env, reason) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(reason);
  });

  it('never echoes a secret variable in its errors', () => {
    expect(() => loadConfig({ KM_ADMIN_PASSWORD: 'hunter2-secret', KM_PORT: 'x' })).not.toThrow(/hunter2/);
  });
});
