import Configuration
import Foundation
import Logging
import Storage
import Web

/// The appliance's settings, resolved and validated once at start-up.
///
/// Precedence, highest first: command-line flags, environment variables, `appliance.conf`,
/// built-in defaults — four swift-configuration providers queried in that order.
struct ApplianceConfiguration: Sendable {
    enum StockBackend: String, Sendable, CaseIterable { case memory, redis }
    enum MailTransport: String, Sendable, CaseIterable { case file, smtp }
    /// Where Swift tasks run: on Swift's default Dispatch pool, or on SwiftNIO's event loops, the threads that already
    /// do the sockets' I/O. Dispatch is the default: measured side by side on 2 cores it served more (BENCHMARKS.md).
    enum TaskExecutor: String, Sendable, CaseIterable {
        case eventLoops = "event-loops"
        case dispatch
    }
    /// Who takes `card` and `bank_transfer` payments: nobody (cash on delivery only), or the built-in simulated
    /// gateway, a demo tool that lets the shopper approve their own payment.
    enum PaymentProviderChoice: String, Sendable, CaseIterable {
        case cashOnly = "none"
        case simulated
    }

    var httpHost: String
    var httpPort: Int
    var dataDirectory: String
    /// A folder to serve the pages from instead of the ones built into the binary (development); its parent holds
    /// the `openapi.yaml` to serve. Nil: the built-in pages and contract.
    var staticDirectory: String?
    var tlsCertificatePath: String?
    var tlsKeyPath: String?
    var corsOrigins: [String]
    var maxBodyBytes: Int
    /// Configured JWT secret; when nil one is generated into `DATA_DIR/secrets`.
    var jwtSecret: String?
    var bcryptCost: Int
    var stockBackend: StockBackend
    var redisURL: String
    /// `REDIS_URL` read (checked at start-up even in memory mode, so a typo is found before it matters).
    var redis: RedisConfiguration
    /// Seconds between two comparisons of the Redis ledger with SQLite (cluster mode).
    var reconcileIntervalSeconds: Int
    var mailTransport: MailTransport
    var smtpHost: String
    var smtpPort: Int
    var smtpUser: String?
    var smtpPassword: String?
    var smtpStartTLS: Bool
    /// A PEM file of extra certificate authorities to trust for STARTTLS (a private relay).
    var smtpCAFile: String?
    var mailFrom: String
    /// Configured webhook secret; when nil one is generated into `DATA_DIR/secrets`.
    var paymentWebhookSecret: String?
    var paymentProvider: PaymentProviderChoice
    var reservationTTLSeconds: Int
    var reserveRatePerMinute: Int
    var authRatePerMinute: Int
    var freeShippingThreshold: Int
    var shippingFee: Int
    var currency: String
    var logLevel: Logger.Level
    /// `TRUSTED_PROXIES`: networks whose `X-Forwarded-For` names the client.
    var trustedProxies: [IPNetwork]
    /// `METRICS_TOKEN`: a Bearer token for `/metrics` when the server listens beyond loopback.
    var metricsToken: String?
    var guestCartsPerHour: Int
    /// How long `serve` waits for another process to release `DATA_DIR` (a rolling restart); 0: refuse at once.
    var dataDirLockWaitSeconds: Int
    /// Seconds an HTTP connection may sit idle between requests before the server closes it.
    var httpIdleTimeoutSeconds: Int
    /// Live streams (SSE) one client address may hold open at once.
    var streamsPerClient: Int
    var taskExecutor: TaskExecutor
    /// `TASK_STACK_SLABS`: whether Swift tasks keep their async stacks in slabs that live as long as the task (see
    /// ``TaskStackSlabs``); on by default (the runtime's own choice, fastest per request); off halves an open stream's memory.
    var taskStackSlabs: Bool

    /// The address shoppers reach the shop at, for links in emails; set `PUBLIC_URL` behind a proxy.
    var publicURL: String?

    var tlsEnabled: Bool { tlsCertificatePath != nil }

    /// Whether the server listens on the loopback interface only (then `/metrics` needs no credentials).
    var listensOnLoopbackOnly: Bool {
        let host = httpHost.lowercased()
        return host == "localhost" || host == "::1" || host == "[::1]" || IPNetwork("127.0.0.0/8")?.contains(host) == true
    }

    /// `DATA_DIR/uploads`: uploaded product pictures.
    var uploadsDirectory: String { (dataDirectory as NSString).appendingPathComponent("uploads") }

    /// `PUBLIC_URL`, or the address the server listens on.
    var publicBaseURL: String {
        publicURL ?? "\(tlsEnabled ? "https" : "http")://\(httpHost):\(httpPort)"
    }

    /// Resolves every key from the given sources and validates it.
    /// - Parameters:
    ///   - flags: `KEY → value` from the command line.
    ///   - environment: the process environment (unknown variables are ignored).
    ///   - file: the parsed `appliance.conf`.
    static func resolve(
        flags: [String: String],
        environment: [String: String],
        file: ConfigurationFile
    ) throws(ConfigurationError) -> ApplianceConfiguration {
        for name in flags.keys where ConfigurationKey.byName[name] == nil {
            throw .unknownKey(name, source: "the command line")
        }
        let known = environment.filter { ConfigurationKey.byName[$0.key] != nil }
        let secrets = SecretsSpecifier<String, String>.specific(Set(ConfigurationKey.all.filter(\.isSecret).map(\.name)))
        var defaults: [AbsoluteConfigKey: ConfigValue] = [:]
        for key in ConfigurationKey.all {
            if let value = key.defaultValue { defaults[AbsoluteConfigKey([key.name])] = ConfigValue(.string(value), isSecret: false) }
        }
        let reader = ConfigReader(providers: [
            EnvironmentVariablesProvider(environmentVariables: flags, secretsSpecifier: secrets),
            EnvironmentVariablesProvider(environmentVariables: known, secretsSpecifier: secrets),
            EnvironmentVariablesProvider(environmentVariables: file.entries.mapValues(\.value), secretsSpecifier: secrets),
            InMemoryProvider(name: "defaults", values: defaults),
        ])
        let values = Values(reader: reader) { name in
            if flags[name] != nil { return "the command line" }
            if known[name] != nil { return "the environment" }
            if let entry = file.entries[name] { return "\(file.path):\(entry.line)" }
            return "the built-in default"
        }
        return try ApplianceConfiguration(values)
    }

    private init(_ values: Values) throws(ConfigurationError) {
        httpHost = try values.string(.httpHost, expected: "a host name or IP address") { !$0.isEmpty && !$0.contains(" ") }
        httpPort = try values.integer(.httpPort, in: 1...65535)
        dataDirectory = try values.string(.dataDir, expected: "a directory path") { !$0.isEmpty }
        staticDirectory = values.optional(.staticDir)
        tlsCertificatePath = values.optional(.tlsCert)
        tlsKeyPath = values.optional(.tlsKey)
        if (tlsCertificatePath == nil) != (tlsKeyPath == nil) {
            let missing = tlsCertificatePath == nil ? ConfigurationKey.tlsCert : .tlsKey
            throw .invalid(missing, value: "", source: values.source(missing.name), expected: "a PEM file path (TLS_CERT and TLS_KEY go together)")
        }
        publicURL = try values.optionalString(.publicURL, expected: "an http:// or https:// address without a trailing slash") {
            ($0.hasPrefix("http://") || $0.hasPrefix("https://")) && !$0.hasSuffix("/")
        }
        corsOrigins = try values.list(.corsOrigins, expected: "a comma-separated list of origins like https://shop.example") {
            ($0.hasPrefix("http://") || $0.hasPrefix("https://")) && !$0.hasSuffix("/")
        }
        maxBodyBytes = try values.integer(.maxBodyBytes, in: 1024...(64 * 1024 * 1024))
        jwtSecret = try values.optionalSecret(.jwtSecret, minimumBytes: 32)
        bcryptCost = try values.integer(.bcryptCost, in: 4...16)
        stockBackend = try values.choice(.stockBackend)
        redisURL = try values.string(.redisURL, expected: "a redis://host:port URL") { (try? RedisConfiguration(url: $0)) != nil }
        do {
            redis = try RedisConfiguration(url: redisURL)
        } catch {
            throw .invalid(.redisURL, value: redisURL, source: values.source(ConfigurationKey.redisURL.name), expected: "a redis://host:port URL")
        }
        reconcileIntervalSeconds = try values.integer(.reconcileIntervalSeconds, in: 1...3600)
        mailTransport = try values.choice(.mailTransport)
        smtpHost = try values.string(.smtpHost, expected: "a host name or IP address") { !$0.isEmpty }
        smtpPort = try values.integer(.smtpPort, in: 1...65535)
        smtpUser = values.optional(.smtpUser)
        smtpPassword = values.optional(.smtpPassword)
        smtpStartTLS = try values.boolean(.smtpStartTLS)
        smtpCAFile = values.optional(.smtpCAFile)
        // It goes into every email's From: and the SMTP MAIL FROM command: a line break in it would add lines of its own.
        mailFrom = try values.string(.mailFrom, expected: "an address like Shop <shop@example.com>, on one line") {
            $0.contains("@") && !$0.unicodeScalars.contains(where: TextRule.isControl)
        }
        paymentWebhookSecret = try values.optionalSecret(.paymentWebhookSecret, minimumBytes: 32)
        paymentProvider = try values.choice(.paymentProvider)
        reservationTTLSeconds = try values.integer(.reservationTTLSeconds, in: 30...86400)
        reserveRatePerMinute = try values.integer(.reserveRatePerMinute, in: 1...10000)
        authRatePerMinute = try values.integer(.authRatePerMinute, in: 1...10000)
        freeShippingThreshold = try values.integer(.freeShippingThreshold, in: 0...1_000_000_000_000)
        shippingFee = try values.integer(.shippingFee, in: 0...1_000_000_000)
        currency = try values.string(.currency, expected: "a three-letter ISO 4217 code") {
            $0.count == 3 && $0.allSatisfy { $0.isASCII && $0.isUppercase }
        }
        logLevel = try values.choice(.logLevel, allowed: Logger.Level.allCases.map(\.rawValue)) { Logger.Level(rawValue: $0) }
        trustedProxies = try values.list(.trustedProxies, expected: "a comma-separated list of addresses or CIDRs like 10.0.0.0/8") {
            IPNetwork($0) != nil
        }.compactMap(IPNetwork.init)
        metricsToken = try values.optionalSecret(.metricsToken, minimumBytes: 16)
        guestCartsPerHour = try values.integer(.guestCartsPerHour, in: 1...1_000_000)
        dataDirLockWaitSeconds = try values.integer(.dataDirLockWaitSeconds, in: 0...3600)
        httpIdleTimeoutSeconds = try values.integer(.httpIdleTimeoutSeconds, in: 1...3600)
        streamsPerClient = try values.integer(.streamsPerClient, in: 1...100_000)
        taskExecutor = try values.choice(.taskExecutor)
        taskStackSlabs = try values.boolean(.taskStackSlabs)
    }
}

/// Typed, validated access to the resolved string values.
private struct Values {
    let reader: ConfigReader
    let source: (String) -> String

    func raw(_ key: ConfigurationKey) -> String? {
        reader.string(forKey: ConfigKey([key.name]), isSecret: key.isSecret)
    }

    func optional(_ key: ConfigurationKey) -> String? {
        guard let value = raw(key)?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    func optionalString(_ key: ConfigurationKey, expected: String, isValid: (String) -> Bool) throws(ConfigurationError) -> String? {
        guard let value = optional(key) else { return nil }
        guard isValid(value) else { throw .invalid(key, value: value, source: source(key.name), expected: expected) }
        return value
    }

    func string(_ key: ConfigurationKey, expected: String, isValid: (String) -> Bool) throws(ConfigurationError) -> String {
        let value = raw(key)?.trimmingCharacters(in: .whitespaces) ?? ""
        guard isValid(value) else { throw .invalid(key, value: value, source: source(key.name), expected: expected) }
        return value
    }

    func integer(_ key: ConfigurationKey, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        let value = raw(key)?.trimmingCharacters(in: .whitespaces) ?? ""
        let expected = "a whole number from \(range.lowerBound) to \(range.upperBound)"
        guard let number = Int(value), range.contains(number) else {
            throw .invalid(key, value: value, source: source(key.name), expected: expected)
        }
        return number
    }

    func boolean(_ key: ConfigurationKey) throws(ConfigurationError) -> Bool {
        let value = raw(key)?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        switch value {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default: throw .invalid(key, value: value, source: source(key.name), expected: "true or false")
        }
    }

    func choice<Choice: RawRepresentable & CaseIterable>(_ key: ConfigurationKey) throws(ConfigurationError) -> Choice
    where Choice.RawValue == String {
        try choice(key, allowed: Choice.allCases.map(\.rawValue)) { Choice(rawValue: $0) }
    }

    func choice<Choice>(
        _ key: ConfigurationKey,
        allowed: [String],
        make: (String) -> Choice?
    ) throws(ConfigurationError) -> Choice {
        let value = raw(key)?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        guard let choice = make(value) else {
            throw .invalid(key, value: value, source: source(key.name), expected: "one of \(allowed.joined(separator: ", "))")
        }
        return choice
    }

    func list(_ key: ConfigurationKey, expected: String, isValid: (String) -> Bool) throws(ConfigurationError) -> [String] {
        let value = raw(key) ?? ""
        let items = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard items.allSatisfy(isValid) else {
            throw .invalid(key, value: value, source: source(key.name), expected: expected)
        }
        return items
    }

    func optionalSecret(_ key: ConfigurationKey, minimumBytes: Int) throws(ConfigurationError) -> String? {
        guard let value = optional(key) else { return nil }
        guard value.utf8.count >= minimumBytes else {
            throw .invalid(
                key,
                value: value,
                source: source(key.name),
                expected: "at least \(minimumBytes) bytes (or leave it unset to generate one)"
            )
        }
        return value
    }
}
