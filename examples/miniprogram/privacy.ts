/**
 * WeChat's privacy agreement, which a phone-number button needs before it
 * works: when the user has not agreed yet, WeChat calls the listener given to
 * `wx.onNeedPrivacyAuthorization` and holds the button until the page calls
 * `resolve`, after the user tapped a `<button open-type="agreePrivacyAuthorization">`.
 */

/** What the page answers WeChat: agreed (naming the agree button, which WeChat checks was tapped) or not. */
export type PrivacyResolve = (answer: { event: 'agree'; buttonId: string } | { event: 'disagree' | 'exposureAuthorization' }) => void

/** The second argument: which API or component asked (`button.getPhoneNumber`). */
export interface PrivacyEventInfo {
  referrer: string
}

export type PrivacyListener = (resolve: PrivacyResolve, eventInfo: PrivacyEventInfo) => void

/**
 * Registers `listener`. miniprogram-api-typings types the listener as
 * `(res: GeneralCallbackResult) => void`; WeChat's page documents
 * `(resolve, eventInfo)`, which is what is declared here. Base libraries
 * before 2.32.3 have no such API and need no agreement.
 */
export function onNeedPrivacyAuthorization(listener: PrivacyListener): void {
  const register = (wx as unknown as { onNeedPrivacyAuthorization?: (listener: PrivacyListener) => void }).onNeedPrivacyAuthorization
  if (typeof register === 'function') register(listener)
}
