import { AccountService } from "./accounts.js";
import { CallService } from "./calls.js";
import type { ServiceContext } from "./context.js";
import { CredentialService } from "./credentials.js";
import { DestinationService } from "./destinations.js";
import { PhoneNumberService } from "./phoneNumbers.js";
import { SettingService } from "./settings.js";
import { TrunkService } from "./trunks.js";
import { WhitelistedIpService } from "./whitelistedIps.js";

export interface Services {
  ctx: ServiceContext;
  accounts: AccountService;
  trunks: TrunkService;
  phoneNumbers: PhoneNumberService;
  whitelistedIps: WhitelistedIpService;
  destinations: DestinationService;
  credentials: CredentialService;
  settings: SettingService;
  calls: CallService;
}

export function createServices(ctx: ServiceContext): Services {
  return {
    ctx,
    accounts: new AccountService(ctx),
    trunks: new TrunkService(ctx),
    phoneNumbers: new PhoneNumberService(ctx),
    whitelistedIps: new WhitelistedIpService(ctx),
    destinations: new DestinationService(ctx),
    credentials: new CredentialService(ctx),
    settings: new SettingService(ctx),
    calls: new CallService(ctx),
  };
}
