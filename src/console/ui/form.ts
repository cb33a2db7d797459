import { useState } from "preact/hooks";
import { fieldErrors } from "../api.js";

/**
 * A form's values, per-field errors from the API and busy state. `submit(run)` clears the errors,
 * runs the request and, when it fails, puts the API's messages next to the fields they name
 * ("" = the form's own notice; a 409 under `conflictField`). Resolves true on success.
 */
export function useForm<F extends string>(fields: readonly F[], initial: Record<F, string>, conflictField: F | "" = "") {
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const set = (f: F) => (v: string) => setValues((s) => ({ ...s, [f]: v }));
  async function submit(run: (v: Record<F, string>) => Promise<void>): Promise<boolean> {
    setErrors({});
    setBusy(true);
    try {
      await run(values);
      return true;
    } catch (e) {
      setErrors(fieldErrors(e, fields, conflictField));
      return false;
    } finally {
      setBusy(false);
    }
  }
  const reset = () => setValues(initial);
  return { values, set, errors, busy, submit, reset, setValues };
}
