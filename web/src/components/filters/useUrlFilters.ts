import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router-dom';
import { apiQuery, valuesFromUrl, type FilterField } from './filters.js';

/** The page's filters, read from and written to the URL. */
export function useUrlFilters(fields: readonly FilterField[]) {
  const [params, setParams] = useSearchParams();
  const search = params.toString();
  const values = useMemo(() => valuesFromUrl(fields, new URLSearchParams(search)), [fields, search]);
  const query = useMemo(() => apiQuery(fields, new URLSearchParams(search)), [fields, search]);
  const apply = useCallback((next: URLSearchParams) => setParams(next), [setParams]);
  return { values, query, apply, key: search };
}
