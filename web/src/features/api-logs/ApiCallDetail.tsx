import type { FailedApiCallEntry } from '../../api/types.js';
import { DetailList } from '../../components/DetailList.js';
import { Timestamp } from '../../components/Timestamp.js';

export function ApiCallDetail({ entry, onClose }: { entry: FailedApiCallEntry; onClose: () => void }) {
  return (
    <aside className="card detail" aria-label="API call details">
      <div className="toolbar">
        <h2 style={{ margin: 0 }}>
          {entry.method} {entry.path}
        </h2>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      <h3>Request</h3>
      <DetailList
        items={[
          ['Time', <Timestamp value={entry.timestamp} />],
          ['Endpoint', entry.endpoint],
          ['Path', entry.path],
          ['Client address', entry.ip],
          ['User agent', entry.user_agent],
          ['API key', entry.api_key],
          ['Licence key', entry.license_key],
          ['Licence', entry.license_id],
          ['Customer', entry.customer_id],
          ['Product', entry.product_id],
          ['Channel', entry.channel],
          ['Request size', `${entry.request_size} bytes`],
          ['Retries', entry.retry_count],
        ]}
      />
      <h3>Response</h3>
      <DetailList
        items={[
          ['Status', entry.status],
          ['Time taken', `${entry.response_time_ms} ms`],
          ['Response size', `${entry.response_size} bytes`],
          ['Error code', entry.error_code],
          ['Error message', entry.error_message],
        ]}
      />
      {entry.validation_errors && entry.validation_errors.length > 0 && (
        <>
          <h3>Validation errors</h3>
          <table aria-label="Validation errors">
            <thead>
              <tr>
                <th scope="col">Field</th>
                <th scope="col">Problem</th>
              </tr>
            </thead>
            <tbody>
              {entry.validation_errors.map((v) => (
                <tr key={`${v.field}|${v.message}`}>
                  <td>
                    <code>{v.field}</code>
                  </td>
                  <td>{v.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {entry.request_body && (
        <>
          <h3>Request body {entry.request_body_truncated ? '(truncated)' : ''}</h3>
          <pre>{entry.request_body}</pre>
        </>
      )}
      {entry.stack_trace && (
        <>
          <h3>Stack trace</h3>
          <pre>{entry.stack_trace}</pre>
        </>
      )}
    </aside>
  );
}
