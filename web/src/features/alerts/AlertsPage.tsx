import { useState } from 'react';
import { DetailList } from '../../components/DetailList.js';
import { FilterForm } from '../../components/filters/FilterForm.js';
import { useUrlFilters } from '../../components/filters/useUrlFilters.js';
import { Pager } from '../../components/Pager.js';
import { Empty, ErrorState, Loading } from '../../components/States.js';
import { Timestamp } from '../../components/Timestamp.js';
import { useApi } from '../../components/useApi.js';
import { useCursors } from '../../components/usePagedList.js';
import { ALERT_FILTERS } from './alert-filters.js';
import { alerts } from './alerts-api.js';

export function AlertsPage() {
  const filters = useUrlFilters(ALERT_FILTERS);
  const { cursors, cursor, setCursors } = useCursors(filters.key);
  const [selected, setSelected] = useState<string | null>(null);
  const list = useApi(
    (signal) => alerts.list({ ...filters.query, limit: 50, cursor }, signal),
    `${filters.key}|${cursor ?? ''}`,
  );

  return (
    <section>
      <h1>Alerts</h1>
      <p className="muted">
        Alerts the rules fired, newest first; a firing alert resolves itself when its condition clears.
      </p>
      <FilterForm
        key={filters.key}
        label="Alert filters"
        fields={ALERT_FILTERS}
        values={filters.values}
        onApply={filters.apply}
      />
      <div className="toolbar">
        <button type="button" onClick={list.reload}>
          Refresh
        </button>
      </div>
      {list.state === 'loading' && <Loading what="Loading alerts" />}
      {list.state === 'error' && <ErrorState error={list.error} onRetry={list.reload} />}
      {list.state === 'ready' && list.data.data.length === 0 && (
        <Empty>No alert matches these filters.</Empty>
      )}
      {list.state === 'ready' && list.data.data.length > 0 && (
        <div className="grid-2">
          <div>
            <table aria-label="Alerts">
              <thead>
                <tr>
                  <th scope="col">Started</th>
                  <th scope="col">Rule</th>
                  <th scope="col">Severity</th>
                  <th scope="col">State</th>
                  <th scope="col">Value</th>
                  <th scope="col">Threshold</th>
                </tr>
              </thead>
              <tbody>
                {list.data.data.map((alert) => (
                  <tr key={alert.id} className={selected === alert.id ? 'selected' : undefined}>
                    <td>
                      <Timestamp value={alert.started_at} />
                    </td>
                    <td>
                      <button type="button" className="link" onClick={() => setSelected(alert.id)}>
                        {alert.rule_name}
                      </button>
                    </td>
                    <td>{alert.severity}</td>
                    <td>{alert.state}</td>
                    <td>{alert.value}</td>
                    <td>{alert.threshold}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <Pager cursors={cursors} nextCursor={list.data.next_cursor} onChange={setCursors} />
          </div>
          {selected && <AlertDetail key={selected} id={selected} />}
        </div>
      )}
    </section>
  );
}

function AlertDetail({ id }: { id: string }) {
  const detail = useApi(() => alerts.detail(id), id);
  return (
    <aside className="card" aria-label="Alert details">
      <h2>Alert</h2>
      {detail.state === 'loading' && <Loading what="Loading the alert" />}
      {detail.state === 'error' && <ErrorState error={detail.error} onRetry={detail.reload} />}
      {detail.state === 'ready' && (
        <>
          <p>{detail.data.summary}</p>
          <DetailList
            items={[
              ['Rule', detail.data.rule_name],
              ['Severity', detail.data.severity],
              ['State', detail.data.state],
              ['Measured value', String(detail.data.value)],
              ['Threshold', String(detail.data.threshold)],
              ['For', detail.data.group],
              ['Started', <Timestamp key="s" value={detail.data.started_at} />],
              ['Last seen', <Timestamp key="l" value={detail.data.last_seen_at} />],
              ['Resolved', detail.data.resolved_at && <Timestamp key="r" value={detail.data.resolved_at} />],
            ]}
          />
          <h3>Notifications</h3>
          {detail.data.notifications.length === 0 ? (
            <Empty>No notification channel is set on this rule.</Empty>
          ) : (
            <table aria-label="Notifications">
              <thead>
                <tr>
                  <th scope="col">Event</th>
                  <th scope="col">Channel</th>
                  <th scope="col">Target</th>
                  <th scope="col">Status</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Error</th>
                </tr>
              </thead>
              <tbody>
                {detail.data.notifications.map((n) => (
                  <tr key={n.id}>
                    <td>{n.event}</td>
                    <td>{n.channel}</td>
                    <td>{n.target}</td>
                    <td>
                      {n.status}
                      {n.response_status !== null && ` (HTTP ${n.response_status})`}
                    </td>
                    <td>{n.attempts}</td>
                    <td>{n.error ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </aside>
  );
}
