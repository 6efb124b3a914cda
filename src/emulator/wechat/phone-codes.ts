import { newPhoneCode } from './ids.ts'
import type { PhoneNumberParts } from './phone-number.ts'

/**
 * What the client's button gets when the app's phone-number quota is used up:
 * WeChat fails the button with errno 1400001 and hands out no code, so the
 * server API never sees the call.
 */
export class PhoneQuotaExhaustedError extends Error {
  readonly errno = 1400001
  constructor() {
    super("issuePhoneCode: the app's phone-number quota is used up; WeChat's button would fail with errno 1400001 and give no code")
    this.name = 'PhoneQuotaExhaustedError'
  }
}

interface PhoneCodeRecord {
  openid: string
  phone: PhoneNumberParts
  /** Seconds, as the watermark reports the moment the user got the number. */
  issuedAtSeconds: number
  issuedAt: number
  used: boolean
}

export type PhoneCodeLookup =
  | { status: 'valid'; openid: string; phone: PhoneNumberParts; issuedAtSeconds: number }
  | { status: 'unknown' }
  | { status: 'expired' }
  | { status: 'used' }

const PRUNE_AFTER_TTLS = 2
const PRUNE_WHEN_MORE_THAN = 1_000

/**
 * WeChat's side of the getPhoneNumber button: the codes it hands out (five
 * minutes, single use) and the app's paid quota. WeChat bills a successful
 * button call, that is a code handed out, so the quota is taken here.
 */
export class PhoneCodes {
  readonly #codes = new Map<string, PhoneCodeRecord>()
  readonly #now: () => number
  readonly #ttlMs: number
  #quotaRemaining: number
  #billed = 0

  constructor(options: { now: () => number; ttlMs: number; quota: number }) {
    this.#now = options.now
    this.#ttlMs = options.ttlMs
    this.#quotaRemaining = options.quota
  }

  issue(openid: string, phone: PhoneNumberParts): string {
    if (this.#quotaRemaining <= 0) throw new PhoneQuotaExhaustedError()
    this.#quotaRemaining--
    this.#billed++
    const now = this.#now()
    let code = newPhoneCode()
    while (this.#codes.has(code)) code = newPhoneCode()
    this.#codes.set(code, { openid, phone, issuedAt: now, issuedAtSeconds: Math.floor(now / 1000), used: false })
    this.#prune(now)
    return code
  }

  lookup(code: string): PhoneCodeLookup {
    const record = this.#codes.get(code)
    if (!record) return { status: 'unknown' }
    if (this.#now() - record.issuedAt >= this.#ttlMs) return { status: 'expired' }
    if (record.used) return { status: 'used' }
    return { status: 'valid', openid: record.openid, phone: record.phone, issuedAtSeconds: record.issuedAtSeconds }
  }

  markUsed(code: string): void {
    const record = this.#codes.get(code)
    if (record) record.used = true
  }

  setQuota(remaining: number): void {
    this.#quotaRemaining = remaining
  }

  get quotaRemaining(): number {
    return this.#quotaRemaining
  }

  /** Codes handed out, each one a billed button call. */
  get billed(): number {
    return this.#billed
  }

  resetCounters(): void {
    this.#billed = 0
  }

  #prune(now: number): void {
    if (this.#codes.size <= PRUNE_WHEN_MORE_THAN) return
    for (const [code, record] of this.#codes) {
      if (now - record.issuedAt >= this.#ttlMs * PRUNE_AFTER_TTLS) this.#codes.delete(code)
    }
  }
}
