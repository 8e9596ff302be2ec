import { createHash, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  activityPrivateValues,
  apiCallPrivateValues,
  canonicalActivity,
  canonicalApiCall,
  canonicalBlocked,
  genesisHead,
  nextHead,
  privateCommitment,
  privateCommitmentHex,
  sortedJson,
  type ActivityChainFields,
  type ApiCallChainFields,
  type BlockedChainFields,
} from './chain.js';
import { checkpointSignatureValid, keyId, signCheckpoint, type Checkpoint } from './checkpoint.js';
import { reduceUserAgent, truncateIp } from './redaction.js';

const blocked: BlockedChainFields = {
  id: 'log_01KBM2Z5V4G3Q6W8E9R0T1Y2U3',
  block_reason: 'IP_BLOCKLISTED',
  rule_id: 'rul_1',
  ip: '203.0.113.77',
  method: 2,
  path: '/api/v1/licenses/validate',
  api_key: null,
  user_agent: 'curl/8.4.0',
  country_code: 'DE',
  fingerprint: 'abc',
  threat_score: 80,
  matched_location: null,
};
const salt = Buffer.alloc(32, 7);

describe('the chain', () => {
  // Chains already stored must keep verifying: these bytes are the format (ADR 0009), computed once
  // and checked with sha256sum; a change to any of them breaks every existing chain.
  it('keeps the canonical form and the hashes of a known entry byte for byte', () => {
    const call: ApiCallChainFields = {
      id: 'log_01KBM2Z5V4G3Q6W8E9R0T1Y2U3',
      endpoint: '/api/v1/licenses/validate',
      path: null,
      method: 2,
      status: 200,
      response_time_us: 412,
      ip: '203.0.113.77',
      api_key: null,
      api_key_id: 'key_01jh8v7w9x0y1z2a3b4c5d6e7f',
      request_size: 62,
      response_size: 180,
      user_agent: 'KeyManager-SDK/2.1.0 Python/3.11',
      license_key: 'XXXX-XXXX-XXXX-7K2M',
      license_key_hash: 'a4f8d2c1b9e7f6a5d4c3b2a1f0e9d8c7',
      license_id: 'lic_01jh8v7w9x0y1z2a3b4c5d6e7f',
      customer_id: 'cus_01jh8v7w9x0y1z2a3b4c5d6e7f',
      product_id: 'prd_01jh8v7w9x0y1z2a3b4c5d6e7f',
      channel: 0,
      direction: 0,
      error_code: null,
      error_message: null,
      stack_trace: null,
      validation_errors: null,
      retry_count: null,
      request_body: null,
      request_body_truncated: null,
    };
    const commitment = privateCommitment(salt, call.id, apiCallPrivateValues(call));
    expect(commitment.toString('hex')).toBe(
      '42ba2970f15fb5487cc97594c03ac49ad1e46254b24f635a158e35c169770a35',
    );
    const canonical = canonicalApiCall(call, commitment);
    expect(canonical).toBe(
      '["api_calls","log_01KBM2Z5V4G3Q6W8E9R0T1Y2U3","/api/v1/licenses/validate",null,2,200,412,null,' +
        '"key_01jh8v7w9x0y1z2a3b4c5d6e7f",62,180,"XXXX-XXXX-XXXX-7K2M","a4f8d2c1b9e7f6a5d4c3b2a1f0e9d8c7",' +
        '"lic_01jh8v7w9x0y1z2a3b4c5d6e7f","cus_01jh8v7w9x0y1z2a3b4c5d6e7f","prd_01jh8v7w9x0y1z2a3b4c5d6e7f",' +
        '0,0,null,null,null,null,null,null,null,"203.0.113.0/24","KeyManager-SDK/2 Python/3",' +
        '"42ba2970f15fb5487cc97594c03ac49ad1e46254b24f635a158e35c169770a35"]',
    );
    const genesis = genesisHead('api_calls');
    expect(genesis.toString('hex')).toBe('1e5aaa7cd7061dce93d7ba5dc3c719daff6d5d19cf0af1ea254d5bca75b5a77d');
    expect(nextHead(genesis, canonical).toString('hex')).toBe(
      '2f907d27e1e0cef692b2202eece0b5b0d32d8a0980c16e0c1285456bb673e009',
    );
  });

  it('binds every entry to the one before it', () => {
    const commitment = privateCommitment(salt, blocked.id, [blocked.ip, blocked.user_agent]);
    const first = nextHead(genesisHead('blocked'), canonicalBlocked(blocked, commitment));
    const second = nextHead(
      first,
      canonicalBlocked({ ...blocked, id: 'log_01KBM2Z5V4G3Q6W8E9R0T1Y2U4' }, commitment),
    );
    expect(first).toHaveLength(32);
    expect(second.equals(first)).toBe(false);
    expect(nextHead(genesisHead('api_calls'), canonicalBlocked(blocked, commitment)).equals(first)).toBe(
      false,
    );
  });

  it('gives the same canonical form once the address and user agent are redacted', () => {
    const commitment = privateCommitment(salt, blocked.id, [blocked.ip, blocked.user_agent]);
    const redacted = {
      ...blocked,
      ip: truncateIp(blocked.ip),
      user_agent: reduceUserAgent(blocked.user_agent),
    };
    expect(canonicalBlocked(redacted, commitment)).toBe(canonicalBlocked(blocked, commitment));
  });

  it('changes with any field, including a private one behind the commitment', () => {
    const commitment = privateCommitment(salt, blocked.id, [blocked.ip, blocked.user_agent]);
    const canonical = canonicalBlocked(blocked, commitment);
    expect(canonicalBlocked({ ...blocked, threat_score: 81 }, commitment)).not.toBe(canonical);
    const otherAddress = privateCommitment(salt, blocked.id, ['203.0.113.78', blocked.user_agent]);
    expect(otherAddress.equals(commitment)).toBe(false);
  });

  it("keeps an admin account's label and details behind the commitment, and binds other entries' directly", () => {
    const aboutAlice: ActivityChainFields = {
      id: 'act_01KBM2Z5V4G3Q6W8E9R0T1Y2U3',
      timestamp: '2026-12-05T10:00:00.000Z',
      admin_user: 'owner@example.com',
      actor_type: 'admin',
      actor_id: 'adm_1',
      channel: 'portal',
      action_type: 'ADMIN_CREATED',
      resource_type: 'admin',
      resource_id: 'adm_2',
      resource: 'Admin adm_2 (alice@example.com)',
      details: { changes: { email: { before: null, after: 'alice@example.com' } } },
      result: 'success',
      error_code: null,
      ip: '203.0.113.77',
      session_id: 'ses_1',
      user_agent: 'Mozilla/5.0',
    };
    const commitment = privateCommitment(salt, aboutAlice.id, activityPrivateValues(aboutAlice));
    const erased = { ...aboutAlice, resource: 'Admin adm_2 (erased)', details: null };
    expect(canonicalActivity(erased, commitment)).toBe(canonicalActivity(aboutAlice, commitment));
    expect(canonicalActivity(aboutAlice, commitment)).not.toContain('alice@example.com');
    expect(privateCommitment(salt, aboutAlice.id, activityPrivateValues(erased)).equals(commitment)).toBe(
      false,
    );

    const aboutALicence = {
      ...aboutAlice,
      resource_type: 'license',
      resource: 'Licence …7F3A',
      details: { n: 1 },
    };
    const licenceCommitment = privateCommitment(salt, aboutAlice.id, activityPrivateValues(aboutALicence));
    expect(canonicalActivity({ ...aboutALicence, details: { n: 2 } }, licenceCommitment)).not.toBe(
      canonicalActivity(aboutALicence, licenceCommitment),
    );
  });

  it('commits to exactly the JSON text of the id and the private values, whatever they hold', () => {
    const saltHex = salt.toString('hex');
    const values: unknown[][] = [
      ['203.0.113.77', 'curl/8.4.0'],
      [null, null],
      ['a "quoted" \\ value', 'tab\tnew\nline \u0001 \u001f \u007f'],
      ['é 😀 \u2028 \u2029', 'lone \ud800 surrogate \udfff'],
      [42, -0, 1.5e300, Number.NaN, true, undefined, { b: 1, a: [2] }],
      ['', Buffer.from('ab')],
    ];
    for (const privateValues of values) {
      const expected = createHash('sha256')
        .update(saltHex + JSON.stringify(['act_"1\\', ...privateValues]))
        .digest('hex');
      expect(privateCommitmentHex(saltHex, 'act_"1\\', privateValues)).toBe(expected);
    }
  });

  it('sorts object keys at every depth', () => {
    expect(sortedJson({ b: 1, a: { d: [{ f: 1, e: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[{"e":2,"f":1}]},"b":1}',
    );
  });
});

describe('redaction', () => {
  it.each([
    ['203.0.113.77', '203.0.113.0/24'],
    ['::ffff:203.0.113.77', '203.0.113.0/24'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1::/48'],
    ['203.0.113.0/24', '203.0.113.0/24'],
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['not an address', null],
    [null, null],
  ])('truncates %s to %s, idempotently', (input, expected) => {
    expect(truncateIp(input)).toBe(expected);
    expect(truncateIp(truncateIp(input))).toBe(expected);
  });

  it.each([
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
      'Mozilla/5 AppleWebKit/537 Chrome/120 Safari/537',
    ],
    ['keymanager-node/1.4.2 (linux; node 20)', 'keymanager-node/1'],
    ['curl/8.4.0', 'curl/8'],
    ['Googlebot', 'Googlebot'],
    ['(only a comment)', null],
    ['', null],
  ])('reduces %s, idempotently', (input, expected) => {
    expect(reduceUserAgent(input)).toBe(expected);
    expect(reduceUserAgent(reduceUserAgent(input))).toBe(expected);
  });
});

describe('checkpoints', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const checkpoint: Checkpoint = {
    log: 'api_calls',
    number: 2,
    count: 10,
    head: 'ab'.repeat(32),
    retained_from: 1,
    retained_after: 'ef'.repeat(32),
    end: '2026-12-05T12:00:00.000Z',
    previous: 'cd'.repeat(64),
    key: keyId(publicKey),
  };

  it('verify with the public key and fail once any field changes', () => {
    const signed = signCheckpoint(checkpoint, privateKey);
    expect(checkpointSignatureValid(signed, publicKey)).toBe(true);
    expect(checkpointSignatureValid({ ...signed, count: 11 }, publicKey)).toBe(false);
    expect(checkpointSignatureValid({ ...signed, previous: null }, publicKey)).toBe(false);
    expect(checkpointSignatureValid({ ...signed, retained_from: 2 }, publicKey)).toBe(false);
    expect(checkpointSignatureValid({ ...signed, signature: 'zz' }, publicKey)).toBe(false);
    const other = generateKeyPairSync('ed25519');
    expect(checkpointSignatureValid(signed, other.publicKey)).toBe(false);
  });
});
