export interface RequestTimings {
  /** When `wx.request` was called (ms since the epoch). */
  invokeStart: number
  /** When the headers arrived. */
  responseStart: number
  /** When the body was read. */
  responseEnd: number
  sentBytes: number
  receivedBytes: number
}

/**
 * `res.profile` for a request the simulator made: the times it knows, the
 * target's address, and zero for what a desktop HTTP client cannot observe
 * (DNS, TLS, throughput estimates).
 */
export function requestProfile(url: URL, timings: RequestTimings): WechatMiniprogram.RequestProfile {
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port)
  return {
    invokeStart: timings.invokeStart,
    queueStart: timings.invokeStart,
    queueEnd: timings.invokeStart,
    fetchStart: timings.invokeStart,
    domainLookUpStart: timings.invokeStart,
    domainLookUpEnd: timings.invokeStart,
    httpDNSDomainLookUpStart: 0,
    httpDNSDomainLookUpEnd: 0,
    connectStart: timings.invokeStart,
    connectEnd: timings.invokeStart,
    SSLconnectionStart: 0,
    SSLconnectionEnd: 0,
    requestStart: timings.invokeStart,
    requestEnd: timings.invokeStart,
    responseStart: timings.responseStart,
    responseEnd: timings.responseEnd,
    redirectStart: 0,
    redirectEnd: 0,
    rtt: 0,
    httpRttEstimate: 0,
    transportRttEstimate: 0,
    downstreamThroughputKbpsEstimate: 0,
    throughputKbps: 0,
    estimate_nettype: 0,
    peerIP: url.hostname.replace(/^\[|\]$/g, ''),
    port,
    protocol: 'http/1.1',
    socketReused: false,
    usingHighPerformanceMode: false,
    sendBytesCount: timings.sentBytes,
    receivedBytedCount: timings.receivedBytes,
  }
}
