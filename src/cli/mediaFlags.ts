import { InvalidArgumentError } from "commander";
import { mediaRelayConfig } from "../media/config.js";

/** `trunkline media`'s flags, each standing for the TRUNKLINE_MEDIA_* variable it overrides. */
export interface MediaFlags {
  ngListen?: string;
  interface?: string;
  advertise?: string;
  ports?: string;
}

export const MEDIA_FLAG_VARIABLES: [keyof MediaFlags, string][] = [
  ["ngListen", "TRUNKLINE_MEDIA_NG_LISTEN"],
  ["interface", "TRUNKLINE_MEDIA_INTERFACE"],
  ["advertise", "TRUNKLINE_MEDIA_ADVERTISE"],
  ["ports", "TRUNKLINE_MEDIA_PORTS"],
];

/** A commander argument parser checking a flag's value as its variable's would be checked. */
export function mediaFlag(variable: string): (raw: string) => string {
  return (raw) => {
    try {
      mediaRelayConfig({ [variable]: raw });
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message.replace(/^\S+ must/, "must"));
    }
    return raw;
  };
}
