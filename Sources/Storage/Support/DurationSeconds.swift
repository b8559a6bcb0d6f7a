extension Duration {
    /// The duration in seconds, as metrics and averages want it.
    var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
