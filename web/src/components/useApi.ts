import { useCallback, useEffect, useState } from 'react';
import { ApiError } from '../api/client.js';

export type Loadable<T> =
  | { state: 'loading'; data?: undefined; error?: undefined }
  | { state: 'error'; data?: undefined; error: ApiError }
  | { state: 'ready'; data: T; error?: undefined };

const LOADING = { state: 'loading' } as const;

/**
 * Loads `load` whenever `key` changes, cancelling the previous request so a slow answer for old
 * filters can never overwrite the answer for the new ones. An answer is kept with the key it was
 * loaded for: for any other key the hook says "loading".
 */
export function useApi<T>(
  load: (signal: AbortSignal) => Promise<T>,
  key: string,
): Loadable<T> & { reload: () => void } {
  const [generation, setGeneration] = useState(0);
  const token = `${generation}\u0000${key}`;
  const [result, setResult] = useState<{ token: string; key: string; value: Loadable<T> } | null>(null);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  useEffect(() => {
    const controller = new AbortController();
    load(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setResult({ token, key, value: { state: 'ready', data } });
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        const apiError = error instanceof ApiError ? error : new ApiError(0, 'ERR_CLIENT', String(error));
        setResult({ token, key, value: { state: 'error', error: apiError } });
      },
    );
    return () => controller.abort();
    // `load` is a fresh closure each render; `token` says when what it loads has changed.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [token]);
  // A reload keeps showing what was there (no flash of "loading"); new filters show "loading".
  const value: Loadable<T> = result && result.key === key ? result.value : LOADING;
  return { ...value, reload };
}
