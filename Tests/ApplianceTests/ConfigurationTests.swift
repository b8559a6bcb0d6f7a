import Foundation
import Logging
import Testing

@testable import Appliance

@Suite struct ConfigurationTests {
    let emptyFile = ConfigurationFile(path: "appliance.conf", entries: [:])

    @Test func defaultsAloneMakeAWorkingConfiguration() throws {
        let configuration = try ApplianceConfiguration.resolve(flags: [:], environment: [:], file: emptyFile)
        #expect(configuration.httpHost == "127.0.0.1")
        #expect(configuration.httpPort == 8080)
        #expect(configuration.dataDirectory == "./data")
        #expect(configuration.bcryptCost == 12)
        #expect(configuration.stockBackend == .memory)
        #expect(configuration.mailTransport == .file)
        #expect(configuration.reservationTTLSeconds == 300)
        #expect(configuration.freeShippingThreshold == 500_000)
        #expect(configuration.shippingFee == 30_000)
        #expect(configuration.currency == "VND")
        #expect(configuration.logLevel == .info)
        #expect(configuration.jwtSecret == nil)
        #expect(!configuration.tlsEnabled)
        #expect(configuration.paymentProvider == .cashOnly)  // the simulated gateway is a demo tool: off unless asked for
        #expect(configuration.taskExecutor == .dispatch)
    }

    @Test func tasksRunOnTheEventLoopsOrOnDispatch() throws {
        let loops = try ApplianceConfiguration.resolve(flags: [:], environment: ["TASK_EXECUTOR": "event-loops"], file: emptyFile)
        #expect(loops.taskExecutor == .eventLoops)
        let dispatch = try ApplianceConfiguration.resolve(flags: [:], environment: ["TASK_EXECUTOR": "dispatch"], file: emptyFile)
        #expect(dispatch.taskExecutor.install() == .dispatch)  // asks NIO for nothing
        let expected = ConfigurationError.invalid(
            .taskExecutor,
            value: "threads",
            source: "the command line",
            expected: "one of event-loops, dispatch"
        )
        #expect(throws: expected) {
            try ApplianceConfiguration.resolve(flags: ["TASK_EXECUTOR": "threads"], environment: [:], file: emptyFile)
        }
    }

    @Test func thePaymentProviderIsNoneOrSimulated() throws {
        let simulated = try ApplianceConfiguration.resolve(flags: ["PAYMENT_PROVIDER": "simulated"], environment: [:], file: emptyFile)
        #expect(simulated.paymentProvider == .simulated)
        let expected = ConfigurationError.invalid(.paymentProvider, value: "stripe", source: "the environment", expected: "one of none, simulated")
        #expect(throws: expected) {
            try ApplianceConfiguration.resolve(flags: [:], environment: ["PAYMENT_PROVIDER": "stripe"], file: emptyFile)
        }
    }

    @Test func flagsBeatEnvironmentWhichBeatsTheFileWhichBeatsDefaults() throws {
        let file = try ConfigurationFile.parse("HTTP_PORT=7001\nSHIPPING_FEE=1\nCURRENCY=USD\n", path: "a.conf")
        let environment = ["HTTP_PORT": "7002", "SHIPPING_FEE": "2", "PATH": "/usr/bin"]
        let configuration = try ApplianceConfiguration.resolve(flags: ["HTTP_PORT": "7003"], environment: environment, file: file)
        #expect(configuration.httpPort == 7003)
        #expect(configuration.shippingFee == 2)
        #expect(configuration.currency == "USD")
        #expect(configuration.freeShippingThreshold == 500_000)
    }

    @Test(arguments: ["abc", "70000", "0", "-1", "80.5", ""])
    func invalidPortNamesTheKeyAndWhatIsAllowed(value: String) throws {
        #expect {
            try ApplianceConfiguration.resolve(flags: [:], environment: ["HTTP_PORT": value], file: emptyFile)
        } throws: { error in
            let message = (error as? ConfigurationError)?.message ?? ""
            return message.hasPrefix("HTTP_PORT=\"\(value)\" (from the environment) is not valid")
                && message.contains("1 to 65535")
        }
    }

    @Test func invalidChoicesListTheAllowedValues() throws {
        #expect(throws: ConfigurationError.invalid(.stockBackend, value: "mysql", source: "the command line", expected: "one of memory, redis")) {
            try ApplianceConfiguration.resolve(flags: ["STOCK_BACKEND": "mysql"], environment: [:], file: emptyFile)
        }
        #expect(throws: ConfigurationError.self) {
            try ApplianceConfiguration.resolve(flags: [:], environment: ["LOG_LEVEL": "loud"], file: emptyFile)
        }
        #expect(throws: ConfigurationError.self) {
            try ApplianceConfiguration.resolve(flags: [:], environment: ["SMTP_STARTTLS": "maybe"], file: emptyFile)
        }
    }

    /// Cluster mode is a real backend now: it starts with a readable `REDIS_URL`, and a bad one stops start-up naming the key.
    @Test func redisStockBackendReadsRedisURLAndRefusesABadOne() throws {
        let configuration = try ApplianceConfiguration.resolve(
            flags: [:],
            environment: ["STOCK_BACKEND": "redis", "REDIS_URL": "redis://:secret@127.0.0.1:6390/2", "RECONCILE_INTERVAL_SECONDS": "5"],
            file: emptyFile
        )
        #expect(configuration.stockBackend == .redis)
        #expect(configuration.redis.port == 6390 && configuration.redis.database == 2 && configuration.redis.password == "secret")
        #expect(configuration.reconcileIntervalSeconds == 5)
        #expect {
            try ApplianceConfiguration.resolve(flags: [:], environment: ["STOCK_BACKEND": "redis", "REDIS_URL": "rediss://x:1"], file: emptyFile)
        } throws: { error in
            ((error as? ConfigurationError)?.message ?? "").hasPrefix("REDIS_URL=")
        }
    }

    @Test func lockWaitAndIdleTimeoutHaveDefaultsAndRanges() throws {
        let configuration = try ApplianceConfiguration.resolve(flags: [:], environment: [:], file: emptyFile)
        #expect(configuration.dataDirLockWaitSeconds == 0)
        #expect(configuration.httpIdleTimeoutSeconds == 60)
        #expect(throws: ConfigurationError.self) {
            try ApplianceConfiguration.resolve(flags: ["DATA_DIR_LOCK_WAIT_SECONDS": "-1"], environment: [:], file: emptyFile)
        }
        #expect(throws: ConfigurationError.self) {
            try ApplianceConfiguration.resolve(flags: ["HTTP_IDLE_TIMEOUT_SECONDS": "0"], environment: [:], file: emptyFile)
        }
    }

    @Test func shortSecretsAreRefusedWithoutEchoingThem() throws {
        #expect {
            try ApplianceConfiguration.resolve(flags: [:], environment: ["JWT_SECRET": "tooshort"], file: emptyFile)
        } throws: { error in
            let message = (error as? ConfigurationError)?.message ?? ""
            return message.contains("JWT_SECRET=<redacted>") && !message.contains("tooshort") && message.contains("32 bytes")
        }
        let long = String(repeating: "k", count: 32)
        let configuration = try ApplianceConfiguration.resolve(flags: [:], environment: ["JWT_SECRET": long], file: emptyFile)
        #expect(configuration.jwtSecret == long)
    }

    /// MAIL_FROM goes into every email's From: and SMTP's MAIL FROM: an address, on one line.
    @Test(arguments: ["no-at-sign", "Shop <s@x.vn>\r\nBcc: evil@x.com", "Shop\n<s@x.vn>", "s@x.vn\u{0}"])
    func mailFromIsOneLineWithAnAddress(value: String) throws {
        #expect(throws: ConfigurationError.self) {
            try ApplianceConfiguration.resolve(flags: [:], environment: ["MAIL_FROM": value], file: emptyFile)
        }
        let bakery = ["MAIL_FROM": "Bánh Mì Cô Ba <shop@banhmi.vn>"]
        let configuration = try ApplianceConfiguration.resolve(flags: [:], environment: bakery, file: emptyFile)
        #expect(configuration.mailFrom == "Bánh Mì Cô Ba <shop@banhmi.vn>")
    }

    @Test func tlsNeedsBothCertificateAndKey() throws {
        #expect(throws: ConfigurationError.self) {
            try ApplianceConfiguration.resolve(flags: ["TLS_CERT": "/tmp/cert.pem"], environment: [:], file: emptyFile)
        }
    }

    @Test func corsOriginsAreParsedAndChecked() throws {
        let configuration = try ApplianceConfiguration.resolve(
            flags: ["CORS_ORIGINS": "https://a.example, http://localhost:3000"],
            environment: [:],
            file: emptyFile
        )
        #expect(configuration.corsOrigins == ["https://a.example", "http://localhost:3000"])
        #expect(throws: ConfigurationError.self) {
            try ApplianceConfiguration.resolve(flags: ["CORS_ORIGINS": "a.example"], environment: [:], file: emptyFile)
        }
    }

    @Test func unknownKeysOnTheCommandLineAreRefused() throws {
        #expect(throws: ConfigurationError.unknownKey("HTTP_PROT", source: "the command line")) {
            try ApplianceConfiguration.resolve(flags: ["HTTP_PROT": "1"], environment: [:], file: emptyFile)
        }
    }

    @Test func fileValuesNameTheirLineWhenInvalid() throws {
        let file = try ConfigurationFile.parse("# comment\n\nHTTP_PORT=http\n", path: "shop.conf")
        #expect(throws: ConfigurationError.invalid(.httpPort, value: "http", source: "shop.conf:3", expected: "a whole number from 1 to 65535")) {
            try ApplianceConfiguration.resolve(flags: [:], environment: [:], file: file)
        }
    }

    @Test func malformedFileLinesAreErrorsNotSilentlySkipped() throws {
        #expect(throws: ConfigurationError.malformedLine(file: "shop.conf", line: 2, text: "HTTP_PORT 8080")) {
            try ConfigurationFile.parse("HTTP_HOST=0.0.0.0\nHTTP_PORT 8080\n", path: "shop.conf")
        }
        #expect(throws: ConfigurationError.unknownKey("HTTP_PROT", source: "shop.conf:1")) {
            try ConfigurationFile.parse("HTTP_PROT=8080\n", path: "shop.conf")
        }
        #expect(throws: ConfigurationError.malformedLine(file: "shop.conf", line: 1, text: "http_port=1")) {
            try ConfigurationFile.parse("http_port=1", path: "shop.conf")
        }
    }

    @Test func fileAcceptsQuotesCommentsAndCRLF() throws {
        let file = try ConfigurationFile.parse("# x\r\nMAIL_FROM=\"Shop <s@x.vn>\"\r\n  LOG_LEVEL = debug  \r\n", path: "f")
        #expect(file.entries["MAIL_FROM"]?.value == "Shop <s@x.vn>")
        #expect(file.entries["LOG_LEVEL"] == .init(value: "debug", line: 3))
    }

    @Test func shippedConfigurationFileDocumentsEveryKeyAndParses() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("appliance.conf").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for key in ConfigurationKey.all {
            #expect(text.contains("# \(key.name)=") || text.contains("\n\(key.name)="), "\(key.name) is not documented in appliance.conf")
            if let value = key.defaultValue {
                #expect(text.contains("\(key.name)=\(value)"), "appliance.conf shows a different default for \(key.name)")
            }
        }
        _ = try ConfigurationFile.parse(text, path: path)
    }
}
