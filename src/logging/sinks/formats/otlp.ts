import { SeverityNumber } from '@opentelemetry/api-logs';
import { JsonLogsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { SinkEntry } from '../sink-types.js';
import { summaryOf } from './summary.js';

const SCOPE = { name: 'keymanager.log-sinks' };

function severityOf(entry: SinkEntry): { number: SeverityNumber; text: string } {
  const f = entry.fields as Record<string, unknown>;
  if (entry.log === 'failed-api-calls') {
    return Number(f.status) >= 500
      ? { number: SeverityNumber.ERROR, text: 'ERROR' }
      : { number: SeverityNumber.WARN, text: 'WARN' };
  }
  if (entry.log === 'blocked' || f.result === 'failure') return { number: SeverityNumber.WARN, text: 'WARN' };
  return { number: SeverityNumber.INFO, text: 'INFO' };
}

/** Attribute values are scalars or lists of them: objects go as JSON text, nulls are left out. */
function attributesOf(entry: SinkEntry): Record<string, string | number | boolean> {
  const attributes: Record<string, string | number | boolean> = {
    // The semantic conventions' unique record id: what a receiver de-duplicates on.
    'log.record.uid': entry.fields.id,
    'keymanager.log': entry.log,
    'keymanager.seq': entry.seq,
  };
  for (const [name, value] of Object.entries(entry.fields)) {
    if (value === null || value === undefined) continue;
    attributes[`keymanager.${name}`] =
      typeof value === 'object' ? JSON.stringify(value) : (value as string | number | boolean);
  }
  return attributes;
}

function hrTime(timestamp: string): [number, number] {
  const ms = Date.parse(timestamp);
  return [Math.floor(ms / 1000), (ms % 1000) * 1_000_000];
}

/**
 * An OTLP/HTTP JSON `ExportLogsServiceRequest` for the entries, through OpenTelemetry's own serializer
 * (resource `service.name=keymanager`, one scope, one record per entry).
 */
export function otlpBody(entries: SinkEntry[], host: string, observedAt: Date): Uint8Array {
  const resource = resourceFromAttributes({ 'service.name': 'keymanager', 'host.name': host });
  const observed = hrTime(observedAt.toISOString());
  const records: ReadableLogRecord[] = entries.map((entry) => {
    const severity = severityOf(entry);
    return {
      hrTime: hrTime(entry.fields.timestamp),
      hrTimeObserved: observed,
      severityNumber: severity.number,
      severityText: severity.text,
      body: summaryOf(entry),
      resource,
      instrumentationScope: SCOPE,
      attributes: attributesOf(entry),
      droppedAttributesCount: 0,
    };
  });
  const body = JsonLogsSerializer.serializeRequest(records);
  if (!body) throw new Error('OTLP serializer produced no body');
  return body;
}
