import Storage

/// Per-address and per-account limits on the routes that take credentials or send email
/// (`AUTH_RATE_PER_MINUTE`, default 10): password guessing and mail flooding get 429 with `Retry-After`.
///
/// An account is counted per account *and* client address: guesses at one account from one address are
/// throttled, but nobody can lock a victim out of their own account by failing to sign in as them from
/// elsewhere. Every address is also limited across all accounts.
struct AuthThrottle: Sendable {
    let limiter: any RateLimiter
    let perMinute: Int

    /// Counts one attempt from `ip`, and for `account` from `ip` when given; throws when either is over its limit.
    func check(ip: String?, account: String? = nil) async throws {
        let source = ip ?? "unknown"
        var keys = ["auth:ip:\(source)"]
        if let account {
            keys.append("auth:account:\(account.trimmedOfWhitespace.lowercased()):ip:\(source)")
        }
        for key in keys {
            if case .limited(let retryAfter) = await limiter.attempt(key, limit: perMinute, window: 60) {
                throw AppError(.rateLimited, "Too many attempts. Try again in \(retryAfter) seconds.", retryAfter: retryAfter)
            }
        }
    }
}
