import { describe, expect, it } from 'vitest';
import type { License } from '../../api/types.js';
import { draftOf, patchOf } from './LicenseEditForm.js';

const license: License = {
  id: 'lic_01jb6ex3m9qk2v8y4t7r5w0zna',
  key: 'ABCD-EFGH-JKMN-PQRS',
  product_id: 'prd_01jb6ex3m9qk2v8y4t7r5w0zna',
  customer_id: null,
  status: 'active',
  status_reason: null,
  max_activations: 3,
  activations_used: 0,
  // Set by the API to the millisecond, not at the end of a day.
  expires_at: '2027-01-15T12:34:56.789Z',
  features: ['export'],
  metadata: { tier: 'gold' },
  created_at: '2026-12-01T00:00:00.000Z',
  updated_at: '2026-12-01T00:00:00.000Z',
};

describe('the licence edit form', () => {
  it('sends only what changed, so an untouched expiry keeps its exact instant', () => {
    const draft = { ...draftOf(license), maxActivations: '10' };
    expect(patchOf(license, draft)).toEqual({ patch: { max_activations: 10 }, errors: {} });
    expect(patchOf(license, draftOf(license))).toEqual({ patch: {}, errors: {} });
  });

  it('turns emptied fields into null: unlimited seats, no expiry, no customer', () => {
    const withCustomer = { ...license, customer_id: 'cus_01jb6ex3m9qk2v8y4t7r5w0zna' };
    const draft = { ...draftOf(withCustomer), maxActivations: ' ', expires: '', customerId: '' };
    expect(patchOf(withCustomer, draft).patch).toEqual({
      max_activations: null,
      expires_at: null,
      customer_id: null,
    });
  });

  it('takes the end of the chosen local day as the expiry, features as a list, metadata as an object', () => {
    const draft = {
      ...draftOf(license),
      expires: '2027-02-28',
      features: ' export ,sync,, ',
      metadata: '{"tier": "platinum", "seats": 5}',
    };
    expect(patchOf(license, draft)).toEqual({
      patch: {
        expires_at: new Date(2027, 1, 28, 23, 59, 59, 999).toISOString(),
        features: ['export', 'sync'],
        metadata: { tier: 'platinum', seats: 5 },
      },
      errors: {},
    });
  });

  it('names every field it would not send, and sends none of them', () => {
    const draft = {
      ...draftOf(license),
      maxActivations: '-1',
      metadata: '["not", "an", "object"]',
      features: `export, ${'x'.repeat(201)}`,
    };
    const { errors } = patchOf(license, draft);
    expect(errors).toEqual({
      maxActivations: 'A whole number from 0 to 1,000,000, or empty for unlimited.',
      metadata: 'A JSON object, such as {"seats": 5}.',
      features: 'A feature has at most 200 characters.',
    });
    expect(patchOf(license, { ...draftOf(license), maxActivations: '1000001' }).errors).toHaveProperty(
      'maxActivations',
    );
    expect(patchOf(license, { ...draftOf(license), metadata: '{tier: gold' }).errors).toEqual({
      metadata: 'Not valid JSON.',
    });
  });
});
