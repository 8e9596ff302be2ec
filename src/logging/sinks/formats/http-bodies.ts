import type { SinkEntry } from '../sink-types.js';

/** One forwarded entry as JSON: its log, its chain position and its fields, under the contract's names. */
export function entryJson(entry: SinkEntry): Record<string, unknown> {
  return { log: entry.log, seq: entry.seq, ...entry.fields };
}

/** Webhook: one JSON document per batch. `id` of each entry is what a receiver de-duplicates on. */
export function webhookBody(sinkId: string, entries: SinkEntry[], sentAt: Date): string {
  return JSON.stringify({ sink_id: sinkId, sent_at: sentAt.toISOString(), entries: entries.map(entryJson) });
}

/**
 * Splunk HTTP Event Collector (`/services/collector/event`): events back to back, each with its time in
 * epoch seconds, so a batch is one request.
 */
export function splunkHecBody(entries: SinkEntry[], host: string): string {
  return entries
    .map((entry) =>
      JSON.stringify({
        time: Date.parse(entry.fields.timestamp) / 1000,
        host,
        source: 'keymanager',
        sourcetype: `keymanager:${entry.log}`,
        event: entryJson(entry),
      }),
    )
    .join('\n');
}

/**
 * Elasticsearch / OpenSearch `_bulk`: an `index` action per entry with the entry's id as the document
 * id, so a batch delivered twice leaves each document once. The index is the URL's (`/<index>/_bulk`).
 */
export function bulkBody(entries: SinkEntry[]): string {
  let body = '';
  for (const entry of entries) {
    body += `${JSON.stringify({ index: { _id: entry.fields.id } })}\n`;
    body += `${JSON.stringify({ '@timestamp': entry.fields.timestamp, ...entryJson(entry) })}\n`;
  }
  return body;
}

/** Whether a `_bulk` answer reports an item the store refused (it answers 200 even then). */
export function bulkFailures(answer: unknown): number {
  const items = (answer as { errors?: boolean; items?: Record<string, { status?: number }>[] } | null)?.items;
  if (!Array.isArray(items)) return 0;
  let failures = 0;
  for (const item of items) {
    const result = Object.values(item)[0];
    if (!result || typeof result.status !== 'number' || result.status >= 300) failures++;
  }
  return failures;
}
