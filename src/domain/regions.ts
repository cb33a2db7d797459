/** A region trunks are deployed in: configuration, not data (TRUNKLINE_REGIONS). */
export interface Region {
  /** Alias used on the wire, e.g. "ap-south-1". */
  alias: string;
  name: string;
  /** Three lowercase letters embedded in Exotel trunk sids ("tr" + code + random). */
  sidCode: string;
  /** SIP address of the edge that serves the region, e.g. "sip.ap-south-1.example.net:5060". */
  sipEdge: string;
  /** Where calls to numbers in `flow` mode are relayed (SIP URI of the flow application). */
  flowUri: string;
}

export const defaultRegions: Region[] = [
  { alias: "ap-south-1", name: "Asia Pacific (Mumbai)", sidCode: "mum", sipEdge: "127.0.0.1:5060", flowUri: "sip:flow@127.0.0.1:5090" },
  { alias: "ap-southeast-1", name: "Asia Pacific (Singapore)", sidCode: "sgp", sipEdge: "127.0.0.1:5060", flowUri: "sip:flow@127.0.0.1:5090" },
  { alias: "us-east-1", name: "US East (N. Virginia)", sidCode: "use", sipEdge: "127.0.0.1:5060", flowUri: "sip:flow@127.0.0.1:5090" },
];

export class RegionSet {
  private readonly byAlias: Map<string, Region>;
  constructor(readonly regions: Region[], readonly defaultAlias: string) {
    this.byAlias = new Map(regions.map((r) => [r.alias, r]));
    if (!this.byAlias.has(defaultAlias)) throw new Error(`default region '${defaultAlias}' is not configured`);
  }
  get(alias: string): Region | undefined {
    return this.byAlias.get(alias);
  }
  has(alias: string): boolean {
    return this.byAlias.has(alias);
  }
  get default(): Region {
    return this.byAlias.get(this.defaultAlias) as Region;
  }
}
