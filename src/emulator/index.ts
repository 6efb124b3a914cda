/**
 * A local WeChat for tests and demos: `startWechatEmulator` serves WeChat's
 * code2Session, stable_token, getuserphonenumber, checksession and
 * resetusersessionkey on real HTTP, `createSimulatedWx` is a `wx` for Node
 * that logs in against it. No WeChat account and no internet needed.
 */
// The two halves' public faces are this entry's, whole: what each exports is listed once, in its own index.ts.
export * from './wechat/index.ts'
export * from './wx/index.ts'
