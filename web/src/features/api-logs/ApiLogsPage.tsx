import { useState } from 'react';
import { NavLink, useSearchParams } from 'react-router-dom';
import { analytics, logs } from '../../api/endpoints.js';
import type { FailedApiCallEntry } from '../../api/types.js';
import { FilterForm } from '../../components/filters/FilterForm.js';
import { useUrlFilters } from '../../components/filters/useUrlFilters.js';
import { Pager } from '../../components/Pager.js';
import { Empty, ErrorState, Loading } from '../../components/States.js';
import { Timestamp } from '../../components/Timestamp.js';
import { useApi } from '../../components/useApi.js';
import { useCursors } from '../../components/usePagedList.js';
import { ApiCallDetail } from './ApiCallDetail.js';
import { ApiLogCharts } from './ApiLogCharts.js';
import { API_LOG_FILTERS, FAILURE_FILTERS } from './api-log-filters.js';

export function ApiLogsPage({ view }: { view: 'all' | 'failures' }) {
  const fields = view === 'failures' ? FAILURE_FILTERS : API_LOG_FILTERS;
  const filters = useUrlFilters(fields);
  const { cursors, cursor, setCursors } = useCursors(`${view}|${filters.key}`);
  const [selected, setSelected] = useState<FailedApiCallEntry | null>(null);
  const list = useApi(
    (signal) =>
      (view === 'failures' ? logs.failedApiCalls : logs.apiCalls)(
        { ...filters.query, limit: 50, cursor },
        signal,
      ),
    `${view}|${filters.key}|${cursor ?? ''}`,
  );
  const exportLog = view === 'failures' ? 'failed-api-calls' : 'api-calls';

  return (
    <section>
      <h1>{view === 'failures' ? 'API Logs → Failures' : 'API Logs'}</h1>
      <nav className="tabs" aria-label="API log views">
        <NavLink to="/analytics/api-logs" end>
          All calls
        </NavLink>
        <NavLink to="/analytics/api-logs/failures" end>
          Failures
        </NavLink>
      </nav>
      <FilterForm
        key={`${view}|${filters.key}`}
        label="API log filters"
        fields={fields}
        values={filters.values}
        onApply={filters.apply}
      />
      {view === 'failures' && <FailureGroups query={filters.query} />}
      <ApiLogCharts query={filters.query} />
      <div className="toolbar">
        <a className="button" href={logs.exportUrl(exportLog, filters.query, 'csv')} download>
          Export to CSV
        </a>
      </div>
      {list.state === 'loading' && <Loading what="Loading API calls" />}
      {list.state === 'error' && <ErrorState error={list.error} onRetry={list.reload} />}
      {list.state === 'ready' && list.data.data.length === 0 && (
        <Empty>No API calls match these filters.</Empty>
      )}
      {list.state === 'ready' && list.data.data.length > 0 && (
        <div className="split">
          <div>
            <table aria-label="API calls">
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Call</th>
                  <th scope="col">Status</th>
                  {view === 'failures' && <th scope="col">Error code</th>}
                  <th scope="col">Time taken</th>
                </tr>
              </thead>
              <tbody>
                {list.data.data.map((entry) => (
                  <tr key={entry.id} className={selected?.id === entry.id ? 'selected' : undefined}>
                    <td>
                      <Timestamp value={entry.timestamp} />
                    </td>
                    <td>
                      <button type="button" className="link" onClick={() => setSelected(entry)}>
                        {entry.method} {entry.endpoint ?? entry.path}
                      </button>
                    </td>
                    <td>
                      <span className={`badge ${entry.status >= 400 ? 'failure' : 'success'}`}>
                        {entry.status}
                      </span>
                    </td>
                    {view === 'failures' && <td>{entry.error_code ?? '—'}</td>}
                    <td>{entry.response_time_ms} ms</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <Pager cursors={cursors} nextCursor={list.data.next_cursor} onChange={setCursors} />
          </div>
          {selected ? (
            <ApiCallDetail entry={selected} onClose={() => setSelected(null)} />
          ) : (
            <p className="muted">Choose a call to see its request and response metadata.</p>
          )}
        </div>
      )}
    </section>
  );
}

/** Failures grouped by error type: choosing a group filters the list by its error code. */
function FailureGroups({ query }: { query: Record<string, string> }) {
  const [, setParams] = useSearchParams();
  const window = { from: query.from, to: query.to };
  const groups = useApi(
    (signal) => analytics.top('failed-api-calls', { ...window, by: 'error_code', limit: 20 }, signal),
    `groups|${query.from ?? ''}|${query.to ?? ''}`,
  );
  return (
    <div className="card">
      <h2>Failures by error type</h2>
      {groups.state === 'loading' && <Loading what="Grouping failures" />}
      {groups.state === 'error' && <ErrorState error={groups.error} onRetry={groups.reload} />}
      {groups.state === 'ready' && groups.data.data.length === 0 && (
        <Empty>No failures in this time range.</Empty>
      )}
      {groups.state === 'ready' && groups.data.data.length > 0 && (
        <table aria-label="Failures by error type">
          <thead>
            <tr>
              <th scope="col">Error code</th>
              <th scope="col">Failures</th>
            </tr>
          </thead>
          <tbody>
            {groups.data.data.map((group) => (
              <tr key={group.value} className={query.error_code === group.value ? 'selected' : undefined}>
                <td>
                  <button
                    type="button"
                    className="link"
                    aria-pressed={query.error_code === group.value}
                    onClick={() => setParams({ ...query, error_code: group.value })}
                  >
                    {group.value}
                  </button>
                </td>
                <td>{group.count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
