import { describe, expect, it } from 'vitest';
import { ACTIVITY_ACTIONS } from '../../src/logging/activity-actions.js';
import { BLOCK_REASONS } from '../../src/logging/log-entry.js';
import { ACTIVITY_ACTIONS as PORTAL_ACTIONS } from '../../web/src/api/activity-actions.js';
import { BLOCK_REASONS as PORTAL_BLOCK_REASONS } from '../../web/src/api/types.js';

describe('the portal offers the server closed sets as filters', () => {
  it('lists every activity action type, in the same order', () => {
    expect([...PORTAL_ACTIONS]).toEqual([...ACTIVITY_ACTIONS]);
  });

  it('lists every block reason', () => {
    expect([...PORTAL_BLOCK_REASONS]).toEqual([...BLOCK_REASONS]);
  });
});
