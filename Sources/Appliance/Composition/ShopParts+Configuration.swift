import Foundation
import Logging
import Storage

/// The composition root's one place that picks each swap-in from the configuration.
extension ShopParts {
    /// The parts `STOCK_BACKEND`, `MAIL_TRANSPORT` and `PAYMENT_PROVIDER` name, over this database and clock.
    ///
    /// - `memory`: the ledger, the rate limiter and the hub live in this process (one seller per `DATA_DIR`).
    /// - `redis`: they live in Redis (`REDIS_URL`, ``ClusterParts``), shared by every instance on this `DATA_DIR`.
    static func configured(_ configuration: ApplianceConfiguration, database: AppDatabase, clock: any AppClock, logger: Logger) -> ShopParts {
        let mailer = makeMailer(configuration, clock: clock, logger: logger)
        let provider = makePaymentProvider(configuration)
        switch configuration.stockBackend {
        case .memory:
            return .embedded(database: database, clock: clock, mailer: mailer, paymentProvider: provider)
        case .redis:
            let cluster = ClusterParts(
                redis: configuration.redis,
                clock: clock,
                reconcileInterval: TimeInterval(configuration.reconcileIntervalSeconds),
                logger: logger
            )
            return .clustered(database: database, clock: clock, cluster: cluster, mailer: mailer, paymentProvider: provider)
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
            parts: .configured(configuration, database: database, clock: clock, logger: logger),
            logger: logger
        )
    }
}
