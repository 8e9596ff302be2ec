import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { clientIp } from '../../src/security/ip-address.js';
import { trustProxyOption } from '../../src/security/trust-proxy.js';
import { newActivity } from '../helpers/activity.js';
import { createTestApp, type TestContext } from '../helpers/app.js';

/** The client address Fastify derives from KM_TRUST_PROXY, as `request.ip` and as clientIp() gives it. */
async function probe(setting: string | undefined) {
  const app = Fastify({ trustProxy: trustProxyOption(loadConfig({ KM_TRUST_PROXY: setting }).trustProxy) });
  app.get('/', async (request) => ({ ip: request.ip, client: clientIp(request) }));
  await app.ready();
  return {
    app,
    async client(peer: string, forwardedFor?: string): Promise<string | null> {
      const response = await app.inject({
        method: 'GET',
        url: '/',
        remoteAddress: peer,
        headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
      });
      return response.json<{ client: string | null }>().client;
    },
  };
}

type Case = [peer: string, forwardedFor: string | undefined, client: string | null];

describe.each<[string, string | undefined, Case[]]>([
  [
    'off (unset)',
    undefined,
    [
      ['203.0.113.5', '198.51.100.1', '203.0.113.5'],
      ['10.0.0.2', '198.51.100.1', '10.0.0.2'],
      ['::ffff:203.0.113.5', '198.51.100.1', '203.0.113.5'],
    ],
  ],
  ['off (false)', 'false', [['10.0.0.2', '198.51.100.1, 10.0.0.3', '10.0.0.2']]],
  [
    'a list of proxies',
    '10.0.0.0/8, 2001:db8::/32',
    [
      // From a listed proxy, the header is read; from anyone else it is ignored.
      ['10.0.0.2', '198.51.100.1', '198.51.100.1'],
      ['203.0.113.5', '198.51.100.1', '203.0.113.5'],
      // Reading from the right, listed proxies are skipped and the first other address is the client;
      // what the client itself wrote further left does not count.
      ['10.0.0.2', '192.0.2.66, 198.51.100.1, 10.0.0.3', '198.51.100.1'],
      ['10.0.0.2', '10.0.0.9, 10.0.0.3', '10.0.0.9'],
      ['10.0.0.2', undefined, '10.0.0.2'],
      // A dual-stack socket reports IPv4 peers mapped; the proxy is recognised all the same.
      ['::ffff:10.0.0.2', '198.51.100.1', '198.51.100.1'],
      ['2001:db8::5', '2001:DB8:1::AB', '2001:db8:1::ab'],
      ['2001:db9::5', '198.51.100.1', '2001:db9::5'],
      // Some proxies add the client's port.
      ['10.0.0.2', '198.51.100.1:51234', '198.51.100.1'],
      ['10.0.0.2', '[2001:db8:2::1]:443', '2001:db8:2::1'],
      // A proxy handing over something that is not an address yields no address, never a guess.
      ['10.0.0.2', 'unknown', null],
    ],
  ],
  ['a named range', 'loopback', [['127.0.0.1', '198.51.100.1', '198.51.100.1']]],
  [
    'one hop',
    '1',
    [
      ['10.0.0.2', '192.0.2.66, 198.51.100.1', '198.51.100.1'],
      ['203.0.113.5', '198.51.100.1', '198.51.100.1'],
      ['10.0.0.2', undefined, '10.0.0.2'],
    ],
  ],
  [
    'two hops',
    '2',
    [
      ['10.0.0.2', '192.0.2.66, 198.51.100.1, 10.0.0.3', '198.51.100.1'],
      ['10.0.0.2', '198.51.100.1', '198.51.100.1'],
    ],
  ],
  [
    'every proxy (true)',
    'true',
    [
      ['10.0.0.2', '192.0.2.66, 198.51.100.1', '192.0.2.66'],
      ['10.0.0.2', 'garbage, 198.51.100.1', null],
    ],
  ],
])('KM_TRUST_PROXY %s', (_name, setting, cases) => {
  let p: Awaited<ReturnType<typeof probe>>;
  beforeAll(async () => {
    p = await probe(setting);
  });
  afterAll(() => p.app.close());

  it.each(cases)('peer %s, X-Forwarded-For %j → %s', async (peer, forwardedFor, client) => {
    expect(await p.client(peer, forwardedFor)).toBe(client);
  });
});

describe('the application honours KM_TRUST_PROXY', () => {
  async function ipRecordedFor(t: TestContext, peer: string, forwardedFor: string) {
    const rows = await newActivity(t, () =>
      t.request({
        method: 'POST',
        url: '/api/v1/customers',
        payload: { name: 'Proxied' },
        remoteAddress: peer,
        headers: { 'x-forwarded-for': forwardedFor },
      }),
    );
    return rows.map((row) => row.ip);
  }

  it.each<[string, string | undefined, string, string, string]>([
    ['off', undefined, '10.0.0.2', '198.51.100.1', '10.0.0.2'],
    ['a trusted proxy', '10.0.0.0/8', '10.0.0.2', '198.51.100.1', '198.51.100.1'],
    ['an untrusted peer', '10.0.0.0/8', '203.0.113.5', '198.51.100.1', '203.0.113.5'],
    ['a hop count', '1', '10.0.0.2', '192.0.2.66, 198.51.100.1', '198.51.100.1'],
  ])('%s', async (_name, setting, peer, forwardedFor, expected) => {
    const t = await createTestApp('sqlite', (config) => {
      config.trustProxy = loadConfig({ KM_TRUST_PROXY: setting }).trustProxy;
    });
    try {
      expect(await ipRecordedFor(t, peer, forwardedFor)).toEqual([expected]);
    } finally {
      await t.close();
    }
  });
});
