import type { SinkEntry } from '../sink-types.js';

/** One line a person reads in a SIEM's event list; the fields carry the detail. */
export function summaryOf(entry: SinkEntry): string {
  const f = entry.fields as Record<string, unknown>;
  switch (entry.log) {
    case 'activity':
      return `${String(f.admin_user)} ${String(f.action_type)} ${String(f.resource ?? f.resource_type ?? '')} ${String(f.result)}`.trim();
    case 'blocked':
      return `blocked ${String(f.method)} ${String(f.path)} ${String(f.block_reason)}`;
    default:
      return `${String(f.method)} ${String(f.endpoint ?? f.path)} ${String(f.status)}`;
  }
}
