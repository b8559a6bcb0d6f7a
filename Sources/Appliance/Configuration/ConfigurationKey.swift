/// Every configuration key the appliance reads, with its built-in default.
///
/// The same list drives the defaults provider, the strict check of `appliance.conf` (an unknown key
/// there is an error, not a silent no-op), and the test that `appliance.conf` documents every key.
struct ConfigurationKey: Sendable, Hashable {
    let name: String
    /// Built-in default, or nil when the key is optional (and, for secrets, generated on first start).
    let defaultValue: String?
    let isSecret: Bool

    init(_ name: String, default defaultValue: String?, secret: Bool = false) {
        self.name = name
        self.defaultValue = defaultValue
        self.isSecret = secret
    }

    static let httpHost = Self("HTTP_HOST", default: "127.0.0.1")
    static let httpPort = Self("HTTP_PORT", default: "8080")
    static let dataDir = Self("DATA_DIR", default: "./data")
    static let staticDir = Self("STATIC_DIR", default: nil)
    static let publicURL = Self("PUBLIC_URL", default: nil)
    static let tlsCert = Self("TLS_CERT", default: nil)
    static let tlsKey = Self("TLS_KEY", default: nil)
    static let corsOrigins = Self("CORS_ORIGINS", default: "")
    static let maxBodyBytes = Self("MAX_BODY_BYTES", default: "1048576")
    static let jwtSecret = Self("JWT_SECRET", default: nil, secret: true)
    static let bcryptCost = Self("BCRYPT_COST", default: "12")
    static let stockBackend = Self("STOCK_BACKEND", default: "memory")
    static let redisURL = Self("REDIS_URL", default: "redis://127.0.0.1:6379")
    static let reconcileIntervalSeconds = Self("RECONCILE_INTERVAL_SECONDS", default: "60")
    static let mailTransport = Self("MAIL_TRANSPORT", default: "file")
    static let smtpHost = Self("SMTP_HOST", default: "127.0.0.1")
    static let smtpPort = Self("SMTP_PORT", default: "25")
    static let smtpUser = Self("SMTP_USER", default: nil)
    static let smtpPassword = Self("SMTP_PASSWORD", default: nil, secret: true)
    static let smtpStartTLS = Self("SMTP_STARTTLS", default: "false")
    static let smtpCAFile = Self("SMTP_CA_FILE", default: nil)
    static let mailFrom = Self("MAIL_FROM", default: "KLeLite <no-reply@klelite.local>")
    static let paymentWebhookSecret = Self("PAYMENT_WEBHOOK_SECRET", default: nil, secret: true)
    static let paymentProvider = Self("PAYMENT_PROVIDER", default: "none")
    static let reservationTTLSeconds = Self("RESERVATION_TTL_SECONDS", default: "300")
    static let reserveRatePerMinute = Self("RESERVE_RATE_PER_MINUTE", default: "5")
    static let authRatePerMinute = Self("AUTH_RATE_PER_MINUTE", default: "10")
    static let freeShippingThreshold = Self("FREE_SHIPPING_THRESHOLD", default: "500000")
    static let shippingFee = Self("SHIPPING_FEE", default: "30000")
    static let currency = Self("CURRENCY", default: "VND")
    static let logLevel = Self("LOG_LEVEL", default: "info")
    static let trustedProxies = Self("TRUSTED_PROXIES", default: "")
    static let metricsToken = Self("METRICS_TOKEN", default: nil, secret: true)
    static let guestCartsPerHour = Self("GUEST_CARTS_PER_HOUR", default: "30")
    static let dataDirLockWaitSeconds = Self("DATA_DIR_LOCK_WAIT_SECONDS", default: "0")
    static let httpIdleTimeoutSeconds = Self("HTTP_IDLE_TIMEOUT_SECONDS", default: "60")
    static let streamsPerClient = Self("STREAMS_PER_CLIENT", default: "16")
    static let taskExecutor = Self("TASK_EXECUTOR", default: "dispatch")
    static let taskStackSlabs = Self("TASK_STACK_SLABS", default: "true")

    static let all: [ConfigurationKey] = [
        httpHost, httpPort, dataDir, staticDir, publicURL, tlsCert, tlsKey, corsOrigins, maxBodyBytes,
        jwtSecret, bcryptCost, stockBackend, redisURL, reconcileIntervalSeconds, mailTransport, smtpHost, smtpPort, smtpUser,
        smtpPassword, smtpStartTLS, smtpCAFile, mailFrom, paymentWebhookSecret, paymentProvider, reservationTTLSeconds,
        reserveRatePerMinute, authRatePerMinute, freeShippingThreshold, shippingFee, currency, logLevel,
        trustedProxies, metricsToken, guestCartsPerHour,
        dataDirLockWaitSeconds, httpIdleTimeoutSeconds, streamsPerClient, taskExecutor, taskStackSlabs,
    ]

    static let byName: [String: ConfigurationKey] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })
}
