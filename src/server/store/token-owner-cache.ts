/**
 * Which user a token hash belongs to, remembered in this process so that a
 * session check on Redis makes one round trip instead of two. The session
 * itself lives in the user's slot (`{u:<openid>}`), and only the pointer key
 * `t:<hash>` leads there from a token; but a token's owner never changes
 * (hashes are of random 256-bit tokens, never reused), so a remembered
 * owner cannot be wrong, only outlived: the session it leads to may be gone,
 * which the read of the session itself then finds. Bounded, least recently
 * used first out, so memory stays flat whatever the traffic.
 */
export const DEFAULT_TOKEN_OWNER_CACHE_SIZE = 10_000

export class TokenOwnerCache {
  // A Map iterates in insertion order: re-inserting on each hit keeps the oldest first.
  private readonly owners = new Map<string, string>()

  constructor(private readonly capacity: number = DEFAULT_TOKEN_OWNER_CACHE_SIZE) {}

  get size(): number {
    return this.owners.size
  }

  ownerOf(tokenHash: string): string | undefined {
    const openid = this.owners.get(tokenHash)
    if (openid !== undefined) {
      this.owners.delete(tokenHash)
      this.owners.set(tokenHash, openid)
    }
    return openid
  }

  remember(tokenHash: string, openid: string): void {
    if (this.capacity <= 0) return
    this.owners.delete(tokenHash)
    this.owners.set(tokenHash, openid)
    if (this.owners.size > this.capacity) {
      const oldest = this.owners.keys().next()
      if (oldest.done !== true) this.owners.delete(oldest.value)
    }
  }

  /** A session deleted here is forgotten at once; one deleted by another instance is found gone on its next read. */
  forget(tokenHash: string): void {
    this.owners.delete(tokenHash)
  }
}
