import Foundation

/// The values the shop's services are tuned with: read from the configuration by the composition root,
/// or written out by a test. Defaults are the configuration's defaults.
public struct ShopSettings: Sendable {
    /// Where shoppers reach the shop; links in emails and the payment page point there.
    public var publicBaseURL: String
    /// bcrypt's work factor for new password hashes (4 in tests, 12 in production).
    public var bcryptCost: Int
    /// Folder of uploaded product pictures.
    public var uploadsDirectory: String
    /// Reservation lifetime and the per-user reservation rate.
    public var flashSales: FlashSaleService.Settings
    /// Free-shipping threshold and shipping fee.
    public var pricing: Pricing
    /// Signs and verifies the payment provider's webhook.
    public var paymentWebhookSecret: String
    /// Email jobs run at once.
    public var emailConcurrency: Int
    /// Customers notified per step of a broadcast job.
    public var broadcastChunkSize: Int

    public init(
        publicBaseURL: String = "http://127.0.0.1:8080",
        bcryptCost: Int = 12,
        uploadsDirectory: String = "data/uploads",
        flashSales: FlashSaleService.Settings = .init(),
        pricing: Pricing = Pricing(),
        paymentWebhookSecret: String,
        emailConcurrency: Int = 2,
        broadcastChunkSize: Int = 500
    ) {
        self.publicBaseURL = publicBaseURL
        self.bcryptCost = bcryptCost
        self.uploadsDirectory = uploadsDirectory
        self.flashSales = flashSales
        self.pricing = pricing
        self.paymentWebhookSecret = paymentWebhookSecret
        self.emailConcurrency = emailConcurrency
        self.broadcastChunkSize = broadcastChunkSize
    }
}
