import type { CoreDeps } from '../shared/deps.js';
import { fieldChanges } from './activity-diff.js';
import type { Audited } from './activity.service.js';
import { createSettingsRepository } from './logging-settings.repository.js';
import type { LoggingSettingsPatch } from './logging-settings.schemas.js';
import {
  DEFAULT_LOGGING_SETTINGS,
  type LoggingSettings,
  type LoggingSettingsHolder,
} from './logging-settings.js';

/** Stored settings over the defaults, so a field added in a later version starts at its default. */
function withDefaults(stored: unknown): LoggingSettings {
  const value = (stored ?? {}) as Partial<LoggingSettings>;
  return {
    ...DEFAULT_LOGGING_SETTINGS,
    ...value,
    retention_days: { ...DEFAULT_LOGGING_SETTINGS.retention_days, ...value.retention_days },
    anonymize_after_days: {
      ...DEFAULT_LOGGING_SETTINGS.anonymize_after_days,
      ...value.anonymize_after_days,
    },
  };
}

export function createLoggingSettingsService({ db, clock }: CoreDeps, holder: LoggingSettingsHolder) {
  const repository = createSettingsRepository(db);
  const listeners = new Set<() => void>();

  return {
    /** At start-up: what requests will consult until the next change. */
    async load(): Promise<LoggingSettings> {
      const settings = withDefaults(await repository.findLogging());
      holder.replace(settings);
      return settings;
    },

    get: (): LoggingSettings => structuredClone(holder.current()) as LoggingSettings,

    /**
     * Stores the merged settings with their activity entry in one transaction, and only then hands
     * them to the requests: a failed write changes nothing, a committed one applies to the next request.
     */
    async update(patch: LoggingSettingsPatch, audited: Audited, by: string | null): Promise<LoggingSettings> {
      const next = await audited(async (tx, entry) => {
        const before = withDefaults(await repository.findLogging(tx));
        const after: LoggingSettings = {
          ...before,
          ...patch,
          retention_days: { ...before.retention_days, ...patch.retention_days },
          anonymize_after_days: { ...before.anonymize_after_days, ...patch.anonymize_after_days },
        };
        await repository.saveLogging(after, clock.now().toISOString(), by, tx);
        entry.note({
          resource_id: 'logging',
          resource: 'Logging settings',
          details: { changes: fieldChanges(before, after) },
        });
        return after;
      });
      holder.replace(next);
      for (const listener of listeners) listener();
      return structuredClone(next);
    },

    /** Called after each committed change (another process is told through Redis); returns the unsubscribe. */
    onChange(listener: () => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export type LoggingSettingsService = ReturnType<typeof createLoggingSettingsService>;
