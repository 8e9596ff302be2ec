import { useState } from 'react';
import { logs } from '../../api/endpoints.js';
import type { ActivityEntry } from '../../api/types.js';
import { DetailList } from '../../components/DetailList.js';
import { FilterForm } from '../../components/filters/FilterForm.js';
import { useUrlFilters } from '../../components/filters/useUrlFilters.js';
import { Pager } from '../../components/Pager.js';
import { Empty, ErrorState, Loading } from '../../components/States.js';
import { Timestamp } from '../../components/Timestamp.js';
import { useApi } from '../../components/useApi.js';
import { useCursors } from '../../components/usePagedList.js';
import { ACTIVITY_FILTERS } from './activity-filters.js';

const PAGE_SIZE = 50;

export function ActivityLogsPage() {
  const filters = useUrlFilters(ACTIVITY_FILTERS);
  const { cursors, cursor, setCursors } = useCursors(filters.key);
  const [selected, setSelected] = useState<ActivityEntry | null>(null);
  const list = useApi(
    (signal) => logs.activity({ ...filters.query, limit: PAGE_SIZE, cursor }, signal),
    `${filters.key}|${cursor ?? ''}`,
  );

  return (
    <section>
      <h1>Activity Logs</h1>
      <p className="muted">Every administrative action, who made it, from where, and what it changed.</p>
      <FilterForm
        key={filters.key}
        label="Activity log filters"
        fields={ACTIVITY_FILTERS}
        values={filters.values}
        onApply={filters.apply}
      />
      <div className="toolbar">
        <a className="button" href={logs.exportUrl('activity', filters.query, 'csv')} download>
          Export to CSV
        </a>
        <a className="button" href={logs.exportUrl('activity', filters.query, 'ndjson')} download>
          Export to NDJSON
        </a>
        <span className="muted">Exports hold every entry matching the filters.</span>
      </div>
      {list.state === 'loading' && <Loading what="Loading activity" />}
      {list.state === 'error' && <ErrorState error={list.error} onRetry={list.reload} />}
      {list.state === 'ready' && list.data.data.length === 0 && (
        <Empty>No activity matches these filters.</Empty>
      )}
      {list.state === 'ready' && list.data.data.length > 0 && (
        <div className="split">
          <div>
            <table>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Admin user</th>
                  <th scope="col">Action</th>
                  <th scope="col">Resource</th>
                  <th scope="col">Result</th>
                </tr>
              </thead>
              <tbody>
                {list.data.data.map((entry) => (
                  <tr key={entry.id} className={selected?.id === entry.id ? 'selected' : undefined}>
                    <td>
                      <Timestamp value={entry.timestamp} />
                    </td>
                    <td>{entry.admin_user}</td>
                    <td>
                      <button
                        type="button"
                        className="link"
                        aria-pressed={selected?.id === entry.id}
                        onClick={() => setSelected(entry)}
                      >
                        {entry.action_type}
                      </button>
                    </td>
                    <td>{entry.resource ?? entry.resource_type}</td>
                    <td>
                      <span className={`badge ${entry.result}`}>{entry.result}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <Pager cursors={cursors} nextCursor={list.data.next_cursor} onChange={setCursors} />
          </div>
          {selected ? (
            <ActivityDetail entry={selected} onClose={() => setSelected(null)} />
          ) : (
            <p className="muted">Choose an action to see its details, with what changed before and after.</p>
          )}
        </div>
      )}
    </section>
  );
}

interface Change {
  before?: unknown;
  after?: unknown;
}

const show = (value: unknown) =>
  value === undefined ? '—' : typeof value === 'string' ? value : JSON.stringify(value);

function ActivityDetail({ entry, onClose }: { entry: ActivityEntry; onClose: () => void }) {
  const { changes, ...rest } = entry.details as { changes?: Record<string, Change> };
  return (
    <aside className="card detail" aria-label="Activity details">
      <div className="toolbar">
        <h2 style={{ margin: 0 }}>{entry.action_type}</h2>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      <DetailList
        items={[
          ['Time', <Timestamp value={entry.timestamp} />],
          ['Admin user', entry.admin_user],
          ['Actor', `${entry.actor_type} ${entry.actor_id ?? ''}`],
          ['Channel', entry.channel],
          ['Resource', entry.resource ?? entry.resource_id],
          ['Result', entry.result],
          ['Error code', entry.error_code],
          ['IP address', entry.ip],
          ['Session', entry.session_id],
          ['User agent', entry.user_agent],
        ]}
      />
      {changes && Object.keys(changes).length > 0 && (
        <>
          <h3>Changes</h3>
          <table aria-label="Changes">
            <thead>
              <tr>
                <th scope="col">Field</th>
                <th scope="col">Before</th>
                <th scope="col">After</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(changes).map(([field, change]) => (
                <tr key={field}>
                  <th scope="row">{field}</th>
                  <td>{show(change.before)}</td>
                  <td>{show(change.after)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {Object.keys(rest).length > 0 && (
        <>
          <h3>Details</h3>
          <pre>{JSON.stringify(rest, null, 2)}</pre>
        </>
      )}
    </aside>
  );
}
