import { Type } from "@sinclair/typebox";

/**
 * Route schemas shared by the Exotel routes: types and required fields only. What a value means
 * (ids are digits, E.164, IPv4, ...) is checked by the parsers and the domain, so the messages
 * are the dialect's own.
 */
export const AccountParams = Type.Object({ account_sid: Type.String() });
export const TrunkParams = Type.Object({ account_sid: Type.String(), trunk_sid: Type.String() });
export const TrunkItemParams = Type.Object({ account_sid: Type.String(), trunk_sid: Type.String(), id: Type.String({ description: "Digits, e.g. 41512" }) });

export const PagingFields = {
  offset: Type.Optional(Type.String({ description: "Rows to skip (default 0)" })),
  page_size: Type.Optional(Type.String({ description: "Rows per page (default 50, max 1000)" })),
};
export const PagingQuery = Type.Object(PagingFields);
export const IdQuery = Type.Object({ id: Type.String({ description: "Digits, e.g. 1153" }) });

export const NullableString = Type.Union([Type.String(), Type.Null()]);
