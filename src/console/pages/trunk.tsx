import { acct, data, exotel } from "../api.js";
import { href, type PageProps } from "../routes.js";
import { Loading } from "../ui/loading.js";
import { Notice } from "../ui/notice.js";
import { useLoad } from "../ui/useLoad.js";
import { CredentialsPanel } from "./trunk/credentials.js";
import { DestinationsPanel } from "./trunk/destinations.js";
import { DetailsPanel } from "./trunk/details.js";
import { IpsPanel } from "./trunk/ips.js";
import { NumbersPanel } from "./trunk/numbers.js";

/**
 * `#/trunks/:sid`: one trunk through the Exotel API (the dialect every account and an operator
 * acting as one can use): its settings, numbers, whitelisted IPs, destinations with their health,
 * and credentials.
 */
export function TrunkPage({ session, params }: PageProps) {
  const sid = params.sid ?? "";
  const trunk = useLoad(() => data(exotel(session).GET("/v2/accounts/{account_sid}/trunks/{trunk_sid}", { params: { path: { ...acct(session), trunk_sid: sid } } })).then((b) => b.response.data), [sid]);
  return (
    <>
      <p>
        <a href={href("/trunks")}>← Trunks</a>
      </p>
      {trunk.error && <Notice kind="error">{trunk.error}</Notice>}
      {!trunk.data ? (
        !trunk.error && <Loading what="Loading trunk" />
      ) : (
        <>
          <h1>Trunk {trunk.data.trunk_name}</h1>
          {params.created && <Notice kind="success">Trunk {trunk.data.trunk_name} created.</Notice>}
          <DetailsPanel key={trunk.data.trunk_sid} session={session} trunk={trunk.data} onChanged={trunk.reload} />
          <NumbersPanel session={session} trunkSid={sid} />
          <IpsPanel session={session} trunkSid={sid} />
          <DestinationsPanel session={session} trunkSid={sid} />
          <CredentialsPanel session={session} trunkSid={sid} />
        </>
      )}
    </>
  );
}
