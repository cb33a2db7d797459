/** A placeholder while data loads (announced to screen readers). */
export function Loading({ what = "Loading" }: { what?: string }) {
  return (
    <p class="loading" role="status" aria-live="polite">
      {what}…
    </p>
  );
}
