/** Cursor pagination: the API gives the next page's cursor; earlier cursors are kept to go back. */
export function Pager({
  cursors,
  nextCursor,
  onChange,
}: {
  cursors: string[];
  nextCursor: string | null;
  onChange: (cursors: string[]) => void;
}) {
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" disabled={cursors.length === 0} onClick={() => onChange(cursors.slice(0, -1))}>
        ← Newer
      </button>
      <span>Page {cursors.length + 1}</span>
      <button
        type="button"
        disabled={!nextCursor}
        onClick={() => nextCursor && onChange([...cursors, nextCursor])}
      >
        Older →
      </button>
    </nav>
  );
}
