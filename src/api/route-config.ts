/**
 * Per-route settings read by the app's hooks (`config` in a route's options). Declared once
 * here so a typo in a route is a type error.
 */
declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route reads or writes the daemon's file system, or spends from its wallet: even on
     * loopback without api.token it needs `Authorization: Bearer <api cookie | api.token>`
     * (src/repo/api-cookie.ts), so only the daemon's own user can call it.
     */
    privileged?: boolean
    /**
     * The response is a page of the node itself (the dashboard) that must run scripts as the
     * API's origin. Every other response is served with `Content-Security-Policy: sandbox`.
     */
    trustedPage?: boolean
  }
}

export {}
