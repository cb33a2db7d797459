import { createContext } from "preact";
import { useContext } from "preact/hooks";

/** What pages may change about the session (held by the app, never stored anywhere). */
export interface SessionActions {
  /** An operator starts (sid) or stops (null) managing another account. */
  setActingAs: (sid: string | null) => void;
  signOut: () => void;
}

export const SessionActionsContext = createContext<SessionActions>({ setActingAs: () => {}, signOut: () => {} });

export function useSessionActions(): SessionActions {
  return useContext(SessionActionsContext);
}
