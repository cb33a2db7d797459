/** Errors the domain and services raise; each dialect renders them in its own format. */
export type IssueKind = "missing" | "blank" | "invalid" | "type";

export interface ValidationIssue {
  /** Domain field name, e.g. "name", "ip", "max_channels" (snake_case, as both wires spell it). */
  field: string;
  kind: IssueKind;
  /** A sentence naming the problem, safe to show a client. */
  message: string;
}

export class DomainError extends Error {}

export class ValidationError extends DomainError {
  constructor(readonly issues: ValidationIssue[]) {
    super(issues.map((i) => i.message).join("; "));
  }
  static of(field: string, message: string, kind: IssueKind = "invalid"): ValidationError {
    return new ValidationError([{ field, kind, message }]);
  }
}

/** The resource doesn't exist in the caller's account (or at all: the two are indistinguishable). */
export class NotFoundError extends DomainError {
  constructor(readonly resource: "trunk" | "phone_number" | "whitelisted_ip" | "destination" | "credential" | "setting" | "account", readonly ref: string, message: string) {
    super(message);
  }
}

/** A uniqueness rule was broken (trunk name, phone number, ACL entry, ...). */
export class ConflictError extends DomainError {
  constructor(readonly field: string, message: string) {
    super(message);
  }
}
