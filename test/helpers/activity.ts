import type { ActivityRow } from '../../src/logging/activity.repository.js';
import type { TestContext } from './app.js';

/** Every activity entry, oldest first, read through the repository (the search API is elsewhere). */
export function activityRows(t: TestContext): Promise<ActivityRow[]> {
  return t.services.activity.repository.list();
}

/** The entries `action` adds, so tests sharing one app see only their own. */
export async function newActivity(t: TestContext, action: () => Promise<unknown>): Promise<ActivityRow[]> {
  const before = new Set((await activityRows(t)).map((row) => row.id));
  await action();
  return (await activityRows(t)).filter((row) => !before.has(row.id));
}

export function detailsOf(row: ActivityRow): Record<string, unknown> {
  return (typeof row.details === 'string' ? JSON.parse(row.details) : row.details) as Record<string, unknown>;
}
