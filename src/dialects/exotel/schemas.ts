import { Type } from "@sinclair/typebox";

export const AccountParams = Type.Object({ account_sid: Type.String() });
export const TrunkParams = Type.Object({ account_sid: Type.String(), trunk_sid: Type.String() });
export const TrunkItemParams = Type.Object({ account_sid: Type.String(), trunk_sid: Type.String(), id: Type.String() });
