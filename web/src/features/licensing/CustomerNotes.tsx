import { useState, type FormEvent } from 'react';
import { catalogue } from '../../api/endpoints.js';
import type { Customer } from '../../api/types.js';
import { useAuth } from '../../auth/AuthContext.js';
import { DetailList } from '../../components/DetailList.js';
import { FormError } from '../../components/FormError.js';
import { Pager } from '../../components/Pager.js';
import { Empty, ErrorState, Loading } from '../../components/States.js';
import { Timestamp } from '../../components/Timestamp.js';
import { useApi } from '../../components/useApi.js';
import { useCursors } from '../../components/usePagedList.js';

/** The API's limit on a note. */
const NOTE_MAX = 10_000;

/** A customer's details and notes, newest first, with a form to add one. */
export function CustomerNotes({ customer }: { customer: Customer }) {
  const { can } = useAuth();
  const { cursors, cursor, setCursors } = useCursors(customer.id);
  const notes = useApi(
    () => catalogue.notes(customer.id, { limit: 20, cursor }),
    `notes|${customer.id}|${cursor ?? ''}`,
  );
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);

  async function add(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setDone(null);
    if (!draft.trim()) {
      setError('Write the note first: an empty note is not saved.');
      return;
    }
    try {
      await catalogue.addNote(customer.id, draft);
      setDraft('');
      setDone('Note added.');
      // The new note is the newest: show the first page.
      if (cursors.length > 0) setCursors([]);
      else notes.reload();
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <aside className="card detail" aria-label={`Customer ${customer.name}`}>
      <h2>{customer.name}</h2>
      <DetailList
        items={[
          ['Id', <code>{customer.id}</code>],
          ['Email', customer.email],
          ['Created', <Timestamp value={customer.created_at} />],
          ['Updated', <Timestamp value={customer.updated_at} />],
        ]}
      />
      <h3>Notes</h3>
      {can('customers:write') && (
        <form onSubmit={add} aria-label="Add a note" noValidate>
          <label>
            New note
            <textarea
              rows={3}
              value={draft}
              maxLength={NOTE_MAX}
              aria-describedby="note-length"
              onChange={(e) => setDraft(e.target.value)}
            />
          </label>
          <p id="note-length" className="muted">
            {draft.length.toLocaleString()} / {NOTE_MAX.toLocaleString()} characters
          </p>
          <button type="submit" className="primary">
            Add note
          </button>
          {done && (
            <p className="success" role="status">
              {done}
            </p>
          )}
          <FormError error={error} />
        </form>
      )}
      {notes.state === 'loading' && <Loading what="Loading notes" />}
      {notes.state === 'error' && <ErrorState error={notes.error} onRetry={notes.reload} />}
      {notes.state === 'ready' && notes.data.data.length === 0 && (
        <Empty>No notes on this customer yet.</Empty>
      )}
      {notes.state === 'ready' && notes.data.data.length > 0 && (
        <>
          <ol className="notes" aria-label="Notes">
            {notes.data.data.map((note) => (
              <li key={note.id}>
                <p className="note-body">{note.body}</p>
                <p className="muted">
                  {note.author} · <Timestamp value={note.created_at} />
                </p>
              </li>
            ))}
          </ol>
          <Pager cursors={cursors} nextCursor={notes.data.next_cursor} onChange={setCursors} />
        </>
      )}
    </aside>
  );
}
