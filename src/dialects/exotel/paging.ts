import type { Page } from "../../domain/types.js";
import type { ListMetadata } from "./envelope.js";
import type { Paging } from "./parse.js";

/** Exotel list metadata with URIs relative to the API root, as the extended spec shows. */
export function listMetadata(path: string, offset: number, pageSize: number, hasMore: boolean, extra = ""): ListMetadata {
  const uri = (o: number) => `${path}?offset=${o}&page_size=${pageSize}${extra}`;
  return {
    page_size: pageSize,
    first_page_uri: uri(0),
    prev_page_uri: offset > 0 ? uri(Math.max(0, offset - pageSize)) : null,
    next_page_uri: hasMore ? uri(offset + pageSize) : null,
  };
}

/** A page of a collection the service returns whole (small, bounded ones such as settings). */
export function pageOf<T>(items: T[], { offset, pageSize }: Paging): Page<T> {
  return { items: items.slice(offset, offset + pageSize), hasMore: items.length > offset + pageSize };
}
