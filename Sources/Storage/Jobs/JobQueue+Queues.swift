extension JobQueue {
    /// Background work that is not email: unpaid-order cancellation, points expiry, pruning. Its own queue, so a
    /// backlog of mail never delays it and it never delays mail.
    public static let maintenance = "maintenance"
}
