import { validationError, type FieldError } from '../../http/errors.js';
import { SINK_FORMATS, type SinkFilters, type SinkLog, type SinkType } from './sink-types.js';

/** What a create or update leaves a sink with, before it is stored. */
export interface SinkSettings {
  type: SinkType;
  url: string;
  logs: SinkLog[];
  filters: SinkFilters;
  format: string;
  secret: string | null;
  enabled: boolean;
}

const SCHEMES: Record<SinkType, readonly string[]> = {
  webhook: ['https:', 'http:'],
  syslog: ['tcp:', 'tls:'],
  'splunk-hec': ['https:', 'http:'],
  elasticsearch: ['https:', 'http:'],
  otlp: ['https:', 'http:'],
};

/** The secret's role per type: the HMAC key, the HEC token, an API key, a bearer token, or none. */
const SECRET: Record<SinkType, 'required' | 'optional' | 'refused'> = {
  webhook: 'required',
  'splunk-hec': 'required',
  elasticsearch: 'optional',
  otlp: 'optional',
  syslog: 'refused',
};

const API_LOGS: SinkLog[] = ['api-calls', 'failed-api-calls'];
/** Which logs each filter can match: a filter none of the sink's logs has is a mistake, not a no-op. */
const FILTER_LOGS: Record<keyof SinkFilters, SinkLog[]> = {
  status_classes: API_LOGS,
  endpoints: API_LOGS,
  methods: [...API_LOGS, 'blocked'],
  block_reasons: ['blocked'],
  min_threat_score: ['blocked'],
  action_types: ['activity'],
  results: ['activity'],
};

/** Query parameters that usually carry a credential (`?token=`, `?api_key=`, `?sig=`). */
const CREDENTIAL_PARAM = /token|secret|passw|key|auth|sig|credential/i;

function urlProblems(type: SinkType, raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute URL';
  }
  const schemes = SCHEMES[type];
  if (!schemes.includes(url.protocol)) {
    return `must start with ${schemes.map((s) => `${s}//`).join(' or ')} for a ${type} sink`;
  }
  // Credentials in a URL would be shown back in every response; they belong in `secret`.
  if (url.username || url.password) return 'must not hold credentials; use secret';
  if (!url.hostname) return 'must name a host';
  if (url.hash) return 'must not have a fragment';
  for (const name of url.searchParams.keys()) {
    if (CREDENTIAL_PARAM.test(name)) return 'must not carry credentials in the query; use secret';
  }
  if (type === 'syslog') {
    if (!url.port) return 'must name a port (tcp://host:port or tls://host:port)';
    if (url.pathname !== '' && url.pathname !== '/') return 'must not have a path';
    if (url.search) return 'must not have a query';
  }
  if (type === 'elasticsearch' && !url.pathname.endsWith('/_bulk')) {
    return 'must be a bulk endpoint ending in /_bulk (https://host:9200/index/_bulk)';
  }
  return null;
}

/** Checks a sink's settings as a whole: every problem at once, or the settings to store. */
export function checkSinkSettings(settings: SinkSettings): SinkSettings {
  const problems: FieldError[] = [];
  const urlProblem = urlProblems(settings.type, settings.url);
  if (urlProblem) problems.push({ field: 'url', message: urlProblem });
  const formats = SINK_FORMATS[settings.type];
  if (!formats.includes(settings.format)) {
    problems.push({
      field: 'format',
      message: `must be one of ${formats.join(', ')} for a ${settings.type} sink`,
    });
  }
  const secret = SECRET[settings.type];
  if (secret === 'required' && settings.secret === null) {
    problems.push({
      field: 'secret',
      message: settings.type === 'webhook' ? 'is required: the HMAC key' : 'is required: the HEC token',
    });
  }
  if (secret === 'refused' && settings.secret !== null) {
    problems.push({ field: 'secret', message: `a ${settings.type} sink takes no secret` });
  }
  for (const [name, value] of Object.entries(settings.filters)) {
    if (value === undefined) continue;
    const logs = FILTER_LOGS[name as keyof SinkFilters];
    if (!logs.some((log) => settings.logs.includes(log))) {
      problems.push({ field: `filters.${name}`, message: `applies only to the ${logs.join(' or ')} log` });
    }
  }
  if (problems.length > 0) throw validationError(problems);
  return settings;
}

/** The shown form of a secret: its last four characters. */
export function maskSecret(secret: string | null): string | null {
  return secret === null ? null : `****${secret.slice(-4)}`;
}
