import { describe, expect, it } from 'vitest';
import { SEVERITIES } from '../../src/alerts/alert-builtins.js';
import { SINK_FORMATS, SINK_LOGS, SINK_TYPES } from '../../src/logging/sinks/sink-types.js';
import { SUBSCRIBABLE_EVENTS } from '../../src/webhooks/webhook-events.js';
import { SEVERITIES as PORTAL_SEVERITIES } from '../../web/src/features/alerts/alert-options.js';
import {
  SINK_FORMATS as PORTAL_SINK_FORMATS,
  SINK_LOGS as PORTAL_SINK_LOGS,
  SINK_TYPES as PORTAL_SINK_TYPES,
} from '../../web/src/features/log-sinks/sink-options.js';
import { WEBHOOK_EVENTS } from '../../web/src/features/webhooks/webhook-events.js';

describe('the portal offers the server closed sets of the integrations', () => {
  it('lists every event a webhook endpoint can subscribe to', () => {
    expect([...WEBHOOK_EVENTS]).toEqual([...SUBSCRIBABLE_EVENTS]);
  });

  it('lists every sink type, log and format', () => {
    expect([...PORTAL_SINK_TYPES]).toEqual([...SINK_TYPES]);
    expect([...PORTAL_SINK_LOGS]).toEqual([...SINK_LOGS]);
    expect(PORTAL_SINK_FORMATS).toEqual(SINK_FORMATS);
  });

  it('lists every alert severity', () => {
    expect([...PORTAL_SEVERITIES]).toEqual([...SEVERITIES]);
  });
});
