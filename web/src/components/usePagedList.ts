import { useState } from 'react';

/** Cursors of the pages seen so far, forgotten when the filters change (a new search starts at page 1). */
export function useCursors(filterKey: string) {
  const [state, setState] = useState<{ key: string; cursors: string[] }>({ key: filterKey, cursors: [] });
  const cursors = state.key === filterKey ? state.cursors : [];
  return {
    cursors,
    cursor: cursors[cursors.length - 1],
    setCursors: (next: string[]) => setState({ key: filterKey, cursors: next }),
  };
}
