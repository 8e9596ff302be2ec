import { ApiError } from '../api/client.js';

/** A refused change: the server's message and, for a 422, each field it named. */
export function FormError({ error }: { error: unknown }) {
  if (!error) return null;
  const apiError = error instanceof ApiError ? error : null;
  const rows = Array.isArray(apiError?.details)
    ? (apiError.details as { row?: number | null; field?: string; message?: string }[])
    : [];
  return (
    <div className="form-error" role="alert">
      <p>
        {apiError ? apiError.message : String(error)} {apiError && <code>{apiError.code}</code>}
      </p>
      {rows.length > 0 && (
        <ul>
          {rows.map((d, i) => (
            <li key={i}>
              {d.row !== undefined && d.row !== null && <>Row {d.row}: </>}
              <code>{d.field}</code> {d.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
