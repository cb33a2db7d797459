import type { JSX } from "preact";
import { useId } from "preact/hooks";

type FieldProps = {
  label: string;
  /** The API's message for this field, shown under it and announced. */
  error?: string | undefined;
  hint?: string;
  value: string;
  onInput: (value: string) => void;
} & Omit<JSX.InputHTMLAttributes<HTMLInputElement>, "value" | "onInput" | "label">;

/** A labelled input with its error beneath it (aria-invalid + aria-describedby). */
export function Field({ label, error, hint, value, onInput, ...input }: FieldProps) {
  const id = useId();
  const described = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;
  return (
    <div class={`field${error ? " field-invalid" : ""}`}>
      <label for={id}>{label}</label>
      <input
        id={id}
        value={value}
        onInput={(e) => onInput((e.currentTarget as HTMLInputElement).value)}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={described}
        {...input}
      />
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p class="field-error" id={`${id}-error`} role="alert" data-testid="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

type SelectProps = {
  label: string;
  error?: string | undefined;
  value: string;
  options: readonly (string | { value: string; label: string })[];
  onChange: (value: string) => void;
};

/** A labelled select with the same error display as Field. */
export function Select({ label, error, value, options, onChange }: SelectProps) {
  const id = useId();
  return (
    <div class={`field${error ? " field-invalid" : ""}`}>
      <label for={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange((e.currentTarget as HTMLSelectElement).value)} aria-invalid={error ? "true" : undefined} aria-describedby={error ? `${id}-error` : undefined}>
        {options.map((o) => {
          const opt = typeof o === "string" ? { value: o, label: o } : o;
          return (
            <option key={opt.value} value={opt.value}>
              {opt.label}
            </option>
          );
        })}
      </select>
      {error && (
        <p class="field-error" id={`${id}-error`} role="alert" data-testid="field-error">
          {error}
        </p>
      )}
    </div>
  );
}
