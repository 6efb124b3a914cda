import { afterEach, describe, expect, it, vi } from 'vitest'
import { sessionSignature, WECHAT_API_NAMES, WECHAT_ERRCODES, type WechatApiName } from '../../src/emulator/index.ts'
import { accessTokenOf, code2Session, loginAs, makeEmulators, stableToken, validParams, wechatGet, wechatPost } from './support.ts'

const emulators = makeEmulators()
afterEach(() => emulators.closeAll())

describe('faults on the new APIs (faultsOf)', () => {
  it('failNext answers -1 for stable_token, then it behaves again', async () => {
    const emulator = await emulators.start()
    emulator.faultsOf('stableToken').failNext(1)

    const busy = await stableToken(emulator)
    const ok = await stableToken(emulator)

    expect(busy.body.errcode).toBe(-1)
    expect(busy.body.errmsg).toMatch(/^system error, rid: /)
    expect(ok.body.access_token).toEqual(expect.any(String))
    expect(emulator.accessTokenStats()).toMatchObject({ calls: 2, issued: 1 })
    expect(emulator.stats().apis.stableToken).toEqual({ calls: 2, ok: 1, errors: { '-1': 1 } })
  })

  it('failNext(count, errcode) lets a test make getuserphonenumber answer 40001 without using the code up', async () => {
    const emulator = await emulators.start()
    const code = await emulator.issuePhoneCode('oUser-fault-phone', '13800138000')
    const token = await accessTokenOf(emulator)
    emulator.faultsOf('getPhoneNumber').failNext(1, WECHAT_ERRCODES.invalidCredential)

    const refused = await wechatPost(emulator, '/wxa/business/getuserphonenumber', { access_token: token }, { code })
    const retried = await wechatPost(emulator, '/wxa/business/getuserphonenumber', { access_token: token }, { code })

    expect(refused.body.errcode).toBe(WECHAT_ERRCODES.invalidCredential)
    expect(retried.body.errcode).toBe(0)
  })

  it('dropNext cuts the connection of checksession without an answer', async () => {
    const emulator = await emulators.start()
    const sessionKey = await loginAs(emulator, 'oUser-fault-drop')
    const query = {
      access_token: await accessTokenOf(emulator),
      openid: 'oUser-fault-drop',
      signature: sessionSignature(sessionKey),
      sig_method: 'hmac_sha256',
    }
    emulator.faultsOf('checkSessionKey').dropNext(1)

    await expect(wechatGet(emulator, '/wxa/checksession', query)).rejects.toThrow(TypeError)
    const after = await wechatGet(emulator, '/wxa/checksession', query)

    expect(after.body.errcode).toBe(0)
    expect(emulator.stats().dropped).toBe(1)
  })

  it('failNextWithStatus answers an HTTP error for resetusersessionkey, leaving the key alone', async () => {
    const emulator = await emulators.start()
    const sessionKey = await loginAs(emulator, 'oUser-fault-status')
    emulator.faultsOf('resetSessionKey').failNextWithStatus(1, 502)

    const response = await fetch(
      `${emulator.url}/wxa/resetusersessionkey?${new URLSearchParams({
        access_token: await accessTokenOf(emulator),
        openid: 'oUser-fault-status',
        signature: sessionSignature(sessionKey),
        sig_method: 'hmac_sha256',
      }).toString()}`,
    )

    expect(response.status).toBe(502)
    expect(emulator.sessionKeyOf('oUser-fault-status')).toBe(sessionKey)
  })

  it('delayNext holds a call past a client’s timeout, then later calls are prompt', async () => {
    const emulator = await emulators.start()
    emulator.faultsOf('stableToken').delayNext(1, 2_000)

    const slow = stableToken(emulator)
    await vi.waitFor(() => expect(emulator.stats().inFlight).toBe(1))
    const fast = await stableToken(emulator)
    const slowAnswer = await slow

    // The delayed call still answers normally once its wait is over, with the same token.
    expect(fast.body.access_token).toEqual(expect.any(String))
    expect(slowAnswer.body.access_token).toBe(fast.body.access_token)
  })

  it('delayNext on code2Session works through faultsOf too, and a client timeout sees it', async () => {
    const emulator = await emulators.start()
    const code = await emulator.issueCode('oUser-fault-delay')
    emulator.faultsOf('code2Session').delayNext(1, 5_000)

    await expect(code2Session(emulator, validParams(code), { signal: AbortSignal.timeout(50) })).rejects.toThrow(/timeout|abort/i)
    const ok = await code2Session(emulator, validParams(code), { signal: AbortSignal.timeout(5_000) })

    expect(ok.body.openid).toBe('oUser-fault-delay')
  })

  it('holdNext keeps a call in flight until released, then answers it as usual without using the code up early', async () => {
    const emulator = await emulators.start()
    const code = await emulator.issueCode('oUser-fault-hold')
    const held = emulator.faultsOf('code2Session').holdNext(1)

    let answered = false
    const call = code2Session(emulator, validParams(code)).finally(() => {
      answered = true
    })
    await held.reached(1)
    expect(held.waiting).toBe(1)
    expect(emulator.stats().inFlight).toBe(1)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(answered).toBe(false)

    held.release()
    expect((await call).body.openid).toBe('oUser-fault-hold')
    expect(held.waiting).toBe(0)
    // The hold was for one call: the next is answered at once (the code is used up by now).
    expect((await code2Session(emulator, validParams(code))).body.errcode).toBe(WECHAT_ERRCODES.codeUsed)
  })

  it('holdNext: a call still held when the emulator closes has its connection cut', async () => {
    const emulator = await emulators.start()
    const held = emulator.faultsOf('stableToken').holdNext(1)
    const call = stableToken(emulator)
    await held.reached(1)
    await emulator.close()
    await expect(call).rejects.toThrow()
  })

  it('answerNextRaw answers a body and status as they are, then the API behaves again', async () => {
    const emulator = await emulators.start()
    const code = await emulator.issueCode('oUser-fault-raw')
    emulator.faultsOf('code2Session').answerNextRaw(1, '<html>bad gateway</html>', 502)

    const raw = await fetch(
      `${emulator.url}/sns/jscode2session?${new URLSearchParams(validParams(code) as Record<string, string>).toString()}`,
    )
    expect(raw.status).toBe(502)
    expect(await raw.text()).toBe('<html>bad gateway</html>')
    expect((await code2Session(emulator, validParams(code))).body.openid).toBe('oUser-fault-raw')
    expect(() => emulator.faultsOf('code2Session').answerNextRaw(1, 'x', 99)).toThrow(RangeError)
  })

  it('keeps each API’s faults to itself; clearFaults forgets them all', async () => {
    const emulator = await emulators.start()
    emulator.faultsOf('stableToken').failNext(1)

    const login = await code2Session(emulator, validParams(await emulator.issueCode('oUser-fault-own')))
    const token = await stableToken(emulator)
    emulator.faultsOf('stableToken').failNext(3)
    emulator.failNext(2)
    emulator.clearFaults()

    expect(login.body.openid).toBe('oUser-fault-own')
    expect(token.body.errcode).toBe(-1)
    expect((await stableToken(emulator)).body.access_token).toEqual(expect.any(String))
    expect((await code2Session(emulator, validParams(await emulator.issueCode('oUser-fault-own')))).body.openid).toBe('oUser-fault-own')
  })

  it('knows every API by name and refuses others and nonsense settings with typed errors', async () => {
    const emulator = await emulators.start()

    expect([...WECHAT_API_NAMES]).toEqual(['code2Session', 'stableToken', 'getPhoneNumber', 'checkSessionKey', 'resetSessionKey'])
    expect(() => emulator.faultsOf('token' as WechatApiName)).toThrow(TypeError)
    expect(() => emulator.faultsOf('stableToken').failNext(-1)).toThrow(RangeError)
    expect(() => emulator.faultsOf('stableToken').failNext(1, 1.5)).toThrow(TypeError)
    expect(() => emulator.faultsOf('stableToken').delayNext(1, -5)).toThrow(RangeError)
    expect(() => emulator.faultsOf('stableToken').delayNext(1, 3e9)).toThrow(RangeError)
    expect(() => emulator.faultsOf('stableToken').failNextWithStatus(1, 700)).toThrow(RangeError)
  })
})
