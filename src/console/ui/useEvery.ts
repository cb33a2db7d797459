import { useEffect } from "preact/hooks";

/** Calls `tick` every `ms` while the page is shown (skipped while the tab is hidden), until unmounted. */
export function useEvery(ms: number, tick: () => void): void {
  useEffect(() => {
    const id = setInterval(() => {
      if (!document.hidden) tick();
    }, ms);
    return () => clearInterval(id);
  }, [ms, tick]);
}
