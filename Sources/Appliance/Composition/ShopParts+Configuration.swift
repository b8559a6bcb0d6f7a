import Foundation
import Logging
import Storage

/// The composition root's one place that picks each swap-in from the configuration.
extension ShopParts {
    /// The parts `STOCK_BACKEND`, `MAIL_TRANSPORT` and `PAYMENT_PROVIDER` name, over this database and clock.
    static func configured(_ configuration: ApplianceConfiguration, database: AppDatabase, clock: any AppClock, logger: Logger) throws -> ShopParts {
        ShopParts(
            database: database,
            clock: clock,
            ledger: try makeLedger(configuration),
            rateLimiter: try makeRateLimiter(configuration, clock: clock),
            hub: try makeHub(configuration),
            mailer: makeMailer(configuration, clock: clock, logger: logger),
            paymentProvider: makePaymentProvider(configuration)
        )
    }

    /// `STOCK_BACKEND=memory`: this process's own counters, rebuilt from SQLite at start-up.
    static func makeLedger(_ configuration: ApplianceConfiguration) throws -> any StockLedger {
        switch configuration.stockBackend {
        case .memory: InMemoryStockLedger()
        case .redis: throw noClusterMode(configuration)
        }
    }

    /// Attempts are counted in this process (`STOCK_BACKEND=memory`).
    static func makeRateLimiter(_ configuration: ApplianceConfiguration, clock: any AppClock) throws -> any RateLimiter {
        switch configuration.stockBackend {
        case .memory: InMemoryRateLimiter(clock: clock)
        case .redis: throw noClusterMode(configuration)
        }
    }

    /// Live notifications reach the streams open on this process (`STOCK_BACKEND=memory`).
    static func makeHub(_ configuration: ApplianceConfiguration) throws -> any NotificationHub {
        switch configuration.stockBackend {
        case .memory: InProcessNotificationHub()
        case .redis: throw noClusterMode(configuration)
        }
    }

    /// `MAIL_TRANSPORT=file` writes `.eml` files into `DATA_DIR/outbox`; `smtp` talks to `SMTP_HOST`.
    static func makeMailer(_ configuration: ApplianceConfiguration, clock: any AppClock, logger: Logger) -> any Mailer {
        switch configuration.mailTransport {
        case .file:
            FileMailer(
                directory: (configuration.dataDirectory as NSString).appendingPathComponent("outbox"),
                from: configuration.mailFrom,
                clock: clock
            )
        case .smtp:
            SMTPMailer(
                settings: SMTPMailer.Settings(
                    host: configuration.smtpHost,
                    port: configuration.smtpPort,
                    security: configuration.smtpStartTLS ? .startTLS : .plain,
                    username: configuration.smtpUser,
                    password: configuration.smtpPassword,
                    from: configuration.mailFrom,
                    trustedCAFile: configuration.smtpCAFile
                ),
                clock: clock,
                logger: logger
            )
        }
    }

    /// `PAYMENT_PROVIDER=none` takes cash on delivery only; `simulated` adds the built-in demo gateway.
    static func makePaymentProvider(_ configuration: ApplianceConfiguration) -> (any PaymentProvider)? {
        switch configuration.paymentProvider {
        case .cashOnly: nil
        case .simulated: SimulatedPaymentProvider(publicBaseURL: configuration.publicBaseURL)
        }
    }

    /// Cluster mode's parts do not exist in this build (the configuration already refuses the setting).
    private static func noClusterMode(_ configuration: ApplianceConfiguration) -> ConfigurationError {
        .invalid(.stockBackend, value: configuration.stockBackend.rawValue, source: "configuration", expected: "memory (this build has no cluster mode yet)")
    }
}

extension ShopSettings {
    /// The services' settings as the configuration gives them.
    init(_ configuration: ApplianceConfiguration, paymentWebhookSecret: String) {
        self.init(
            publicBaseURL: configuration.publicBaseURL,
            bcryptCost: configuration.bcryptCost,
            uploadsDirectory: configuration.uploadsDirectory,
            flashSales: .init(
                reservationTTL: TimeInterval(configuration.reservationTTLSeconds),
                reservePerMinute: configuration.reserveRatePerMinute
            ),
            pricing: Pricing(freeShippingThreshold: configuration.freeShippingThreshold, shippingFee: configuration.shippingFee),
            paymentWebhookSecret: paymentWebhookSecret
        )
    }
}

extension Shop {
    /// The shop the configuration describes, over this database and clock.
    init(configuration: ApplianceConfiguration, database: AppDatabase, clock: any AppClock, paymentWebhookSecret: String, logger: Logger) throws {
        self.init(
            settings: ShopSettings(configuration, paymentWebhookSecret: paymentWebhookSecret),
            parts: try .configured(configuration, database: database, clock: clock, logger: logger),
            logger: logger
        )
    }
}
