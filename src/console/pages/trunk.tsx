import type { components } from "../../../packages/client/src/index.js";
import { acct, carrier, data, exotel } from "../api.js";
import { href, type PageProps } from "../routes.js";
import type { Session } from "../session.js";
import { Loading } from "../ui/loading.js";
import { Notice } from "../ui/notice.js";
import { useLoad } from "../ui/useLoad.js";
import { CredentialsPanel } from "./trunk/credentials.js";
import { DestinationsPanel } from "./trunk/destinations.js";
import { DetailsPanel } from "./trunk/details.js";
import { IpsPanel } from "./trunk/ips.js";
import { NumbersPanel } from "./trunk/numbers.js";

/** The trunk at a glance (read-only). */
function Overview({ trunk }: { trunk: components["schemas"]["ExotelTrunk"] }) {
  const facts: [string, string | number][] = [
    ["Sid", trunk.trunk_sid],
    ["Authentication", trunk.auth_type],
    ["Active calls", trunk.active_calls ?? "—"],
    ["Status", trunk.status],
    ["Domain", trunk.domain_name],
    ["Secure trunking", trunk.secure_trunking],
    ["Created", trunk.date_created],
    ["Updated", trunk.date_updated],
  ];
  return (
    <dl class="overview" aria-label="Overview">
      {facts.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd data-testid={k === "Sid" ? "trunk-sid" : undefined}>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

/**
 * The same trunk in the carrier API (read-only here): its id there and max_channels. Found by name
 * (`filter[name]`; names are unique per account across both dialects) — as the acted-as account
 * for an operator. Edited through the carrier API or the CLI.
 */
function CarrierFacts({ session, name }: { session: Session; name: string }) {
  const view = useLoad(async () => {
    const doc = await data(carrier(session).GET("/carrier/v1/sip_trunks", { params: { query: { "filter[name]": name, "fields[sip_trunk]": "max_channels" } } }));
    return doc.data[0] ?? null;
  }, [name]);
  if (view.error) return <Notice kind="error">Carrier view: {view.error}</Notice>;
  if (!view.data) return null;
  const max = view.data.attributes.max_channels;
  return (
    <dl class="overview" aria-label="Carrier API">
      <div>
        <dt>Carrier id</dt>
        <dd data-testid="carrier-id">
          <code>{view.data.id}</code>
        </dd>
      </div>
      <div>
        <dt>Max channels</dt>
        <dd data-testid="max-channels">{max ?? "no limit"}</dd>
      </div>
    </dl>
  );
}

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
          <Overview trunk={trunk.data} />
          <CarrierFacts session={session} name={trunk.data.trunk_name} />
          <DestinationsPanel session={session} trunkSid={sid} onChanged={trunk.reload} />
          <NumbersPanel session={session} trunkSid={sid} />
          <IpsPanel session={session} trunkSid={sid} />
          <CredentialsPanel session={session} trunkSid={sid} />
          <DetailsPanel key={trunk.data.trunk_sid} session={session} trunk={trunk.data} onChanged={trunk.reload} />
        </>
      )}
    </>
  );
}
