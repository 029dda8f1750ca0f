/**
 * When the embedded broker commits a group of held messages (broker.ts), pure.
 *
 * aedes parses nothing more from a client while any of its messages is held (awaits the commit),
 * so the commit window gathers messages only from clients that are NOT held. Waiting is useless,
 * and only throttles devices, when:
 *  - every connected client has a message in the group (none can add to it);
 *  - the group plus what a held client has sent meanwhile (unparsed) reaches `groupBytes`: a busy
 *    device, which one commit per window would cap at (what it sends in a window) per window;
 *  - the group holds `maxGroup` messages.
 * Then the group is committed on the next turn of the event loop; otherwise at the end of the
 * window. With few, slow devices the window still gathers their messages into one commit (the
 * SD-write saving of docs/footprint.md); under load the commits follow the socket reads.
 */
export interface GroupState {
  readonly windowMs: number;
  readonly messages: number;
  /** Payload bytes of the held messages. */
  readonly bytes: number;
  /** Bytes a held client has sent since, not parsed yet (0 when not known). */
  readonly unreadBytes: number;
  /** Clients with a message in the group. */
  readonly heldClients: number;
  readonly connectedClients: number;
}

export const COMMIT_LIMITS = { maxGroup: 1000, groupBytes: 8192 } as const;

export function commitNow(g: GroupState, limits = COMMIT_LIMITS): boolean {
  return (
    g.windowMs === 0 ||
    g.messages >= limits.maxGroup ||
    g.bytes + g.unreadBytes >= limits.groupBytes ||
    g.heldClients >= g.connectedClients
  );
}
