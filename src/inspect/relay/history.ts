/**
 * What a client that connects late is sent first: the last `limit` frames
 * and, for each machine actor they no longer include, its `@xstate.actor`
 * frame and its latest snapshot. Without the first, a page opened after the
 * app started could not draw the machine; without the second, it would not
 * know the state the machine is in.
 */

export interface HistoryEntry {
  seq: number
  source: string
  /** The frame as its source sent it. */
  text: string
  /** The same frame wrapped for the relay's page. */
  envelope: string
}

/** Machine actors remembered beyond the window; an app has a few, so this only bounds a misbehaving one. */
const MAX_RETAINED_ACTORS = 64

interface Retained {
  actor: HistoryEntry
  snapshot: HistoryEntry | undefined
}

export class RelayHistory {
  private readonly window: HistoryEntry[] = []
  private readonly retained = new Map<string, Retained>()

  constructor(private readonly limit: number) {}

  /**
   * Records a frame. `machineActor` is the actor's key (source and session)
   * when the frame announces a machine actor, `snapshotOf` when it is a snapshot.
   */
  add(entry: HistoryEntry, kind: { machineActor?: string; snapshotOf?: string } = {}): void {
    if (this.limit === 0) return
    this.window.push(entry)
    if (this.window.length > this.limit) this.window.shift()
    if (kind.machineActor !== undefined) {
      this.retained.delete(kind.machineActor)
      this.retained.set(kind.machineActor, { actor: entry, snapshot: undefined })
      if (this.retained.size > MAX_RETAINED_ACTORS) this.retained.delete(this.retained.keys().next().value as string)
    } else if (kind.snapshotOf !== undefined) {
      const retained = this.retained.get(kind.snapshotOf)
      if (retained) retained.snapshot = entry
    }
  }

  /** In the order they arrived. */
  replay(): HistoryEntry[] {
    const oldest = this.window[0]?.seq ?? Number.POSITIVE_INFINITY
    const earlier: HistoryEntry[] = []
    for (const { actor, snapshot } of this.retained.values()) {
      if (actor.seq < oldest) earlier.push(actor)
      if (snapshot && snapshot.seq < oldest) earlier.push(snapshot)
    }
    earlier.sort((a, b) => a.seq - b.seq)
    return [...earlier, ...this.window]
  }
}
