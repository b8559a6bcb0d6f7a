import Storage

/// Per-IP and per-account limits on the routes that take credentials or send email
/// (`AUTH_RATE_PER_MINUTE`, default 10): password guessing and mail flooding get 429 with `Retry-After`.
struct AuthThrottle: Sendable {
    let limiter: any RateLimiter
    let perMinute: Int

    /// Counts one attempt from `ip`, and for `account` when given; throws when either is over its limit.
    func check(ip: String?, account: String? = nil) async throws {
        var keys = ["auth:ip:\(ip ?? "unknown")"]
        if let account {
            keys.append("auth:account:\(account.trimmingCharacters(in: .whitespacesAndNewlines).lowercased())")
        }
        for key in keys {
            if case .limited(let retryAfter) = await limiter.attempt(key, limit: perMinute, window: 60) {
                throw AppError(.rateLimited, "Too many attempts. Try again in \(retryAfter) seconds.", retryAfter: retryAfter)
            }
        }
    }
}
