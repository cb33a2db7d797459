import type { ComponentChildren } from "preact";

/** A message box: errors are announced at once (role=alert), the rest politely (role=status). */
export function Notice({ kind = "info", children }: { kind?: "info" | "error" | "success"; children: ComponentChildren }) {
  return (
    <div class={`notice notice-${kind}`} role={kind === "error" ? "alert" : "status"} data-testid={`notice-${kind}`}>
      {children}
    </div>
  );
}
