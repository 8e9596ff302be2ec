import type { Static } from '@sinclair/typebox';
import type { ChainedLog } from '../integrity/chain.js';
import { BLOCK_REASONS } from '../log-entry.js';
import type { SinkFiltersSchema } from './sink.schemas.js';

export const SINK_TYPES = ['webhook', 'syslog', 'splunk-hec', 'elasticsearch', 'otlp'] as const;
export type SinkType = (typeof SINK_TYPES)[number];

/** The four logs of the logging settings; `api-calls` is the calls answered below 400 (the chain's split). */
export const SINK_LOGS = ['activity', 'api-calls', 'failed-api-calls', 'blocked'] as const;
export type SinkLog = (typeof SINK_LOGS)[number];

export const CHAIN_OF: Record<SinkLog, ChainedLog> = {
  activity: 'activity',
  'api-calls': 'api_calls',
  'failed-api-calls': 'failed_api_calls',
  blocked: 'blocked',
};

/** Message formats per type; the first is the default. */
export const SINK_FORMATS: Record<SinkType, readonly string[]> = {
  webhook: ['json'],
  syslog: ['rfc5424', 'cef'],
  'splunk-hec': ['json'],
  elasticsearch: ['ndjson'],
  otlp: ['json'],
};

export const SINK_STATES = ['active', 'retrying', 'dead_letter'] as const;
export type SinkState = (typeof SINK_STATES)[number];

export const STATUS_CLASSES = ['2xx', '3xx', '4xx', '5xx'] as const;
export type StatusClass = (typeof STATUS_CLASSES)[number];

export { BLOCK_REASONS };

/** Which entries of its logs a sink receives: every filter given must match (absent: no condition). */
export type SinkFilters = Static<typeof SinkFiltersSchema>;

/** A sink as stored, with its secret: only the delivery side sees this. */
export interface SinkConfig {
  id: string;
  type: SinkType;
  url: string;
  logs: SinkLog[];
  filters: SinkFilters;
  format: string;
  secret: string | null;
  enabled: boolean;
}

/** One entry as sinks send it: its log, its chain position and its fields as the log API shows them. */
export interface SinkEntry {
  log: SinkLog;
  seq: number;
  fields: Record<string, unknown> & { id: string; timestamp: string };
}
