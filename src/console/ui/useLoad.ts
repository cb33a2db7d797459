import { useCallback, useEffect, useState } from "preact/hooks";
import { errorText } from "../api.js";

export interface Loaded<T> {
  data: T | undefined;
  error: string | null;
  loading: boolean;
  reload: () => void;
}

/**
 * Runs `load` when `deps` change (and on reload()); a late answer for old deps is dropped so a
 * fast click-through never shows the previous page's data.
 */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: string | null; loading: boolean }>({ data: undefined, error: null, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    load().then(
      (data) => live && setState({ data, error: null, loading: false }),
      (e: unknown) => live && setState({ data: undefined, error: errorText(e), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]); // the caller names the deps
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}
