import { useState } from 'react';
import { analytics, logs } from '../../api/endpoints.js';
import type { BlockedEntry } from '../../api/types.js';
import { useAuth } from '../../auth/AuthContext.js';
import { DetailList } from '../../components/DetailList.js';
import { FilterForm } from '../../components/filters/FilterForm.js';
import { useUrlFilters } from '../../components/filters/useUrlFilters.js';
import { Pager } from '../../components/Pager.js';
import { Empty, ErrorState, Loading } from '../../components/States.js';
import { TimeChart } from '../../components/TimeChart.js';
import { Timestamp } from '../../components/Timestamp.js';
import { useApi } from '../../components/useApi.js';
import { useCursors } from '../../components/usePagedList.js';
import { bucketFor } from '../api-logs/api-log-filters.js';
import { AddressActions } from './AddressActions.js';
import { BLOCKED_FILTERS } from './blocked-filters.js';

export function BlockedRequestsPage() {
  const filters = useUrlFilters(BLOCKED_FILTERS);
  const { cursors, cursor, setCursors } = useCursors(filters.key);
  const [selected, setSelected] = useState<BlockedEntry | null>(null);
  const list = useApi(
    (signal) => logs.blocked({ ...filters.query, limit: 50, cursor }, signal),
    `${filters.key}|${cursor ?? ''}`,
  );

  return (
    <section>
      <h1>Blocked Requests</h1>
      <p className="muted">Requests the security layer refused before they reached the API, and why.</p>
      <FilterForm
        key={filters.key}
        label="Blocked request filters"
        fields={BLOCKED_FILTERS}
        values={filters.values}
        onApply={filters.apply}
      />
      <BlockedOverview query={filters.query} />
      <div className="toolbar">
        <a className="button" href={logs.exportUrl('blocked', filters.query, 'csv')} download>
          Export to CSV
        </a>
      </div>
      {list.state === 'loading' && <Loading what="Loading blocked requests" />}
      {list.state === 'error' && <ErrorState error={list.error} onRetry={list.reload} />}
      {list.state === 'ready' && list.data.data.length === 0 && (
        <Empty>No blocked request matches these filters.</Empty>
      )}
      {list.state === 'ready' && list.data.data.length > 0 && (
        <div className="split">
          <div>
            <table aria-label="Blocked requests">
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Address</th>
                  <th scope="col">Country</th>
                  <th scope="col">Threat score</th>
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
                        {entry.block_reason}
                      </button>
                    </td>
                    <td>{entry.ip ?? '—'}</td>
                    <td>{entry.country_code ?? '—'}</td>
                    <td>{entry.threat_score}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <Pager cursors={cursors} nextCursor={list.data.next_cursor} onChange={setCursors} />
          </div>
          {selected ? (
            <BlockedDetail entry={selected} onClose={() => setSelected(null)} />
          ) : (
            <p className="muted">Choose a request to see what matched, and to allowlist its address.</p>
          )}
        </div>
      )}
    </section>
  );
}

function BlockedOverview({ query }: { query: Record<string, string> }) {
  const { can } = useAuth();
  const bucket = bucketFor(query);
  const window = { from: query.from, to: query.to };
  const overview = useApi(
    async (signal) => {
      const [series, reasons, addresses] = await Promise.all([
        analytics.timeseries(
          'blocked',
          { ...window, bucket, ...(query.block_reason ? { block_reason: query.block_reason } : {}) },
          signal,
        ),
        analytics.top('blocked', { ...window, by: 'block_reason', limit: 10 }, signal),
        analytics.top('blocked', { ...window, by: 'ip', limit: 10 }, signal),
      ]);
      return { series, reasons, addresses };
    },
    JSON.stringify({ window, bucket, reason: query.block_reason }),
  );
  if (overview.state === 'loading') return <Loading what="Loading the overview" />;
  if (overview.state === 'error') return <ErrorState error={overview.error} onRetry={overview.reload} />;
  const { series, reasons, addresses } = overview.data;
  return (
    <>
      <TimeChart
        title={`Blocked requests per ${bucket}`}
        data={series.data.map((b) => ({ start: b.start, blocked: b.count }))}
        series={[{ key: 'blocked', label: 'Blocked', color: '#b42318' }]}
      />
      <div className="grid-2">
        <div className="card">
          <h2>Reasons</h2>
          {reasons.data.length === 0 ? (
            <Empty>Nothing was blocked in this time range.</Empty>
          ) : (
            <table aria-label="Block reasons">
              <tbody>
                {reasons.data.map((r) => (
                  <tr key={r.value}>
                    <th scope="row">{r.value}</th>
                    <td>{r.count}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
        <div className="card">
          <h2>Top addresses</h2>
          {addresses.data.length === 0 ? (
            <Empty>No address was blocked in this time range.</Empty>
          ) : (
            <table aria-label="Top addresses">
              <tbody>
                {addresses.data.map((a) => (
                  <tr key={a.value}>
                    <th scope="row">{a.value}</th>
                    <td>{a.count}</td>
                    <td>{can('security:write') && <AddressActions address={a.value} />}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {addresses.approximate && (
            <p className="muted">Counts of older hours may fall short by up to {addresses.max_error}.</p>
          )}
        </div>
      </div>
    </>
  );
}

function BlockedDetail({ entry, onClose }: { entry: BlockedEntry; onClose: () => void }) {
  const { can } = useAuth();
  return (
    <aside className="card detail" aria-label="Blocked request details">
      <div className="toolbar">
        <h2 style={{ margin: 0 }}>{entry.block_reason}</h2>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      <DetailList
        items={[
          ['Time', <Timestamp value={entry.timestamp} />],
          ['Threat score', entry.threat_score],
          ['Rule', entry.rule_id],
          ['Matched in', entry.matched_location],
          ['Address', entry.ip],
          ['Country', entry.country_code],
          ['Request', `${entry.method} ${entry.path ?? ''}`],
          ['API key', entry.api_key],
          ['User agent', entry.user_agent],
          ['Fingerprint', entry.fingerprint],
        ]}
      />
      {can('security:write') && entry.ip && <AddressActions address={entry.ip} ruleId={entry.rule_id} />}
    </aside>
  );
}
