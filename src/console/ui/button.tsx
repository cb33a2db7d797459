import type { ComponentChildren, JSX } from "preact";

type ButtonProps = {
  children: ComponentChildren;
  /** Visual weight: primary for the form's action, danger for deletes. */
  kind?: "primary" | "secondary" | "danger";
  busy?: boolean;
} & Omit<JSX.ButtonHTMLAttributes<HTMLButtonElement>, "children">;

/** A real <button> (type="button" unless told), disabled and marked busy while its action runs. */
export function Button({ children, kind = "secondary", busy = false, type = "button", disabled, ...rest }: ButtonProps) {
  return (
    <button type={type} class={`btn btn-${kind}`} disabled={disabled || busy} aria-busy={busy ? "true" : undefined} {...rest}>
      {children}
    </button>
  );
}
