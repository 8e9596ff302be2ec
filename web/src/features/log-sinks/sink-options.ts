/** The sink settings the server accepts (test/web checks they match its own lists). */
export const SINK_TYPES = ['webhook', 'syslog', 'splunk-hec', 'elasticsearch', 'otlp'] as const;

export const SINK_LOGS = ['activity', 'api-calls', 'failed-api-calls', 'blocked'] as const;

/** Message formats per type, as the server accepts them; the first is the default. */
export const SINK_FORMATS: Record<string, readonly string[]> = {
  webhook: ['json'],
  syslog: ['rfc5424', 'cef'],
  'splunk-hec': ['json'],
  elasticsearch: ['ndjson'],
  otlp: ['json'],
};

export const URL_HINTS: Record<string, string> = {
  webhook: 'https://siem.example.com/ingest',
  syslog: 'tcp://syslog.example.com:6514 or tls://…',
  'splunk-hec': 'https://splunk.example.com:8088/services/collector/event',
  elasticsearch: 'https://search.example.com:9200/keymanager/_bulk',
  otlp: 'https://otel.example.com:4318/v1/logs',
};
