import Foundation

/// The demo bakery's people and history, all placed relative to the moment the demo was first seeded (the
/// anchor): customers in every loyalty tier, orders in every status, vouchers, and three flash sales.
/// ``DemoShopSeeder`` plays it through the shop's own services.
enum DemoShop {
    struct Customer {
        let name: String
        let email: String
        let phone: String
        let district: String
        /// The tier the customer's delivered orders reach (checked by the tests).
        let tier: LoyaltyTier
    }

    struct Sale {
        struct Item {
            let product: String
            let salePrice: Int
            let quantity: Int
            let perUserLimit: Int
        }

        let slug: String
        let name: String
        let description: String
        /// Seconds from the anchor.
        let startsAt: TimeInterval
        let endsAt: TimeInterval
        let items: [Item]
    }

    struct Review {
        let product: String
        let rating: Int
        let comment: String
    }

    /// One order's life: placed `at` seconds from the anchor (negative: before it), then moved one step of
    /// its status path every `pace` seconds; reviews are written one `pace` after delivery.
    struct Order {
        let customer: Int
        let at: TimeInterval
        let pace: TimeInterval
        /// Cart lines (product slug, quantity), or units reserved in `sale` when it is set.
        let lines: [(product: String, quantity: Int)]
        let sale: String?
        let voucher: String?
        let path: [OrderStatus]
        let reviews: [Review]
        /// Who cancels: the customer (true) or the shop.
        let cancelledByCustomer: Bool
        /// Paid by card through the simulated gateway at checkout (else cash on delivery).
        let paidByCard: Bool

        init(
            customer: Int,
            at: TimeInterval,
            pace: TimeInterval = 6 * hour,
            lines: [(product: String, quantity: Int)],
            sale: String? = nil,
            voucher: String? = nil,
            path: [OrderStatus],
            reviews: [Review] = [],
            cancelledByCustomer: Bool = false,
            paidByCard: Bool = false
        ) {
            self.customer = customer
            self.at = at
            self.pace = pace
            self.lines = lines
            self.sale = sale
            self.voucher = voucher
            self.path = path
            self.reviews = reviews
            self.cancelledByCustomer = cancelledByCustomer
            self.paidByCard = paidByCard
        }
    }

    static let hour: TimeInterval = 3600
    static let day: TimeInterval = 24 * hour

    static let adminEmail = "admin@klelite.example"
    static let adminName = "Chủ tiệm (demo)"
    /// When the accounts and vouchers appear, before the first order.
    static let openedAt: TimeInterval = -40 * day

    static let customers: [Customer] = [
        Customer(name: "Nguyễn Thị Lan", email: "lan@klelite.example", phone: "0901234561", district: "Quận 1", tier: .platinum),
        Customer(name: "Trần Văn Minh", email: "minh@klelite.example", phone: "0901234562", district: "Quận 3", tier: .gold),
        Customer(name: "Lê Thu Hoa", email: "hoa@klelite.example", phone: "0901234563", district: "Quận 10", tier: .silver),
        Customer(name: "Phạm Anh Tuấn", email: "tuan@klelite.example", phone: "0901234564", district: "Bình Thạnh", tier: .bronze),
        Customer(name: "Võ Ngọc Mai", email: "mai@klelite.example", phone: "0901234565", district: "Phú Nhuận", tier: .bronze),
        Customer(name: "Đặng Minh Khoa", email: "khoa@klelite.example", phone: "0901234566", district: "Quận 7", tier: .bronze),
    ]

    static let vouchers: [VoucherDraft] = [
        VoucherDraft(code: "CHAOBAN10", kind: .percent, value: 10, minSubtotal: 200_000, maxDiscount: 50_000, perUserLimit: 1),
        VoucherDraft(code: "THANTHIET15", kind: .percent, value: 15, minSubtotal: 500_000, maxDiscount: 100_000),
        // Expired: its window closed ten days before the anchor (dates are filled in by the seeder).
        VoucherDraft(code: "GIANGSINH50K", kind: .fixed, value: 50_000, minSubtotal: 300_000),
        // Used up: one use allowed, taken by Mai's order below.
        VoucherDraft(code: "BANHMOI", kind: .fixed, value: 30_000, minSubtotal: 200_000, usageLimit: 1),
    ]
    static let expiredVoucher = "GIANGSINH50K"
    static let usedUpVoucher = "BANHMOI"

    static let endedSale = Sale(
        slug: "demo-tet-som",
        name: "Tết sớm",
        description: "Hộp quà và bánh pía giá tốt — đã kết thúc.",
        startsAt: -3 * day,
        endsAt: -3 * day + 2 * hour,
        items: [
            .init(product: "banh-pia-sau-rieng", salePrice: 79_000, quantity: 6, perUserLimit: 2),
            .init(product: "hop-qua-tet-an-khang", salePrice: 690_000, quantity: 2, perUserLimit: 1),
            .init(product: "banh-bo-nuong", salePrice: 49_000, quantity: 5, perUserLimit: 2),
        ]
    )

    static let runningSale = Sale(
        slug: "demo-gio-vang",
        name: "Giờ vàng bánh mì",
        description: "Bánh mì và bánh ngọt mới ra lò, số lượng có hạn.",
        startsAt: -30 * 60,
        endsAt: 3 * day,
        items: [
            .init(product: "banh-mi-hoa-cuc", salePrice: 59_000, quantity: 4, perUserLimit: 2),
            .init(product: "pain-au-chocolat", salePrice: 35_000, quantity: 3, perUserLimit: 1),
            .init(product: "cookie-socola-muoi-bien", salePrice: 22_000, quantity: 5, perUserLimit: 2),
        ]
    )

    /// Opens two minutes after the first start, for an hour: the one a visitor watches sell out.
    static let upcomingSale = Sale(
        slug: "demo-tra-chieu",
        name: "Trà chiều giá sốc",
        description: "Tiramisu, croissant hạnh nhân và financier cho buổi trà chiều.",
        startsAt: 2 * 60,
        endsAt: 62 * 60,
        items: [
            .init(product: "tiramisu-cafe-viet", salePrice: 249_000, quantity: 3, perUserLimit: 1),
            .init(product: "croissant-hanh-nhan", salePrice: 39_000, quantity: 5, perUserLimit: 2),
            .init(product: "financier-bo-nau", salePrice: 25_000, quantity: 4, perUserLimit: 2),
        ]
    )

    static let delivered: [OrderStatus] = [.confirmed, .preparing, .shipping, .delivered]

    /// Gift-box orders are large on purpose: loyalty tiers need 5,000 / 20,000 / 50,000 lifetime points
    /// (1 point per 1,000 ₫, times the tier's multiplier).
    static let orders: [Order] = [
        // Lan → Platinum: 22,250 + 26,700 (×1.5) + 2,520 (×1.5) points.
        Order(
            customer: 0,
            at: -34 * day,
            lines: [("hop-qua-tet-an-khang", 25)],
            path: delivered,
            reviews: [Review(product: "hop-qua-tet-an-khang", rating: 5, comment: "Hộp quà sang trọng, công ty ai cũng khen.")]
        ),
        Order(customer: 0, at: -21 * day, lines: [("hop-qua-tet-an-khang", 20)], path: delivered),
        Order(
            customer: 0,
            at: -12 * day,
            lines: [("hop-qua-tra-chieu", 3)],
            path: delivered,
            reviews: [Review(product: "hop-qua-tra-chieu", rating: 5, comment: "Bánh ngon, giao đúng giờ.")]
        ),
        Order(customer: 0, at: -40 * 60, pace: 5 * 60, lines: [("banh-kem-socola-bi", 1)], path: []),
        // Minh → Gold: 10,680 + 10,680 (×1.2) points, then a flash-sale order in the ended sale.
        Order(customer: 1, at: -30 * day, lines: [("hop-qua-tet-an-khang", 12)], path: delivered),
        Order(
            customer: 1,
            at: -16 * day,
            lines: [("hop-qua-tet-an-khang", 10)],
            path: delivered,
            reviews: [Review(product: "hop-qua-tet-an-khang", rating: 4, comment: "Đẹp, nhưng mong có thêm lựa chọn trà.")]
        ),
        Order(
            customer: 1,
            at: -3 * day + 10 * 60,
            pace: 4 * hour,
            lines: [("hop-qua-tet-an-khang", 1), ("banh-pia-sau-rieng", 2)],
            sale: "demo-tet-som",
            path: delivered,
            reviews: [Review(product: "banh-pia-sau-rieng", rating: 5, comment: "Sầu riêng thơm, vỏ mỏng. Mua được giá flash sale!")]
        ),
        Order(
            customer: 1,
            at: -1 * day,
            pace: 3 * hour,
            lines: [("croissant-bo-phap", 4), ("pain-au-chocolat", 2)],
            path: [.confirmed, .preparing, .shipping]
        ),
        // Hoa → Silver: 5,340 points; one cancelled order; one in the ended sale; one being prepared today.
        Order(
            customer: 2,
            at: -25 * day,
            lines: [("hop-qua-tet-an-khang", 6)],
            path: delivered,
            reviews: [Review(product: "hop-qua-tet-an-khang", rating: 5, comment: "Tặng đối tác rất hợp.")]
        ),
        Order(customer: 2, at: -8 * day, lines: [("tiramisu-cafe-viet", 1)], path: [.cancelled], cancelledByCustomer: true),
        Order(
            customer: 2,
            at: -3 * day + 20 * 60,
            pace: 4 * hour,
            lines: [("banh-bo-nuong", 2)],
            sale: "demo-tet-som",
            path: delivered,
            reviews: [Review(product: "banh-bo-nuong", rating: 4, comment: "Bánh bò nướng dai thơm như ở quê.")]
        ),
        Order(customer: 2, at: -30 * 60, pace: 8 * 60, lines: [("banh-mi-hoa-cuc", 2), ("kouign-amann", 2)], path: [.confirmed, .preparing]),
        // Tuấn → Bronze: one delivered, one refunded, one paid by card then cancelled (its refund is pending),
        // one confirmed today.
        Order(
            customer: 3,
            at: -14 * day,
            lines: [("croissant-bo-phap", 6), ("financier-bo-nau", 4)],
            path: delivered,
            reviews: [Review(product: "croissant-bo-phap", rating: 4, comment: "Giòn, nhiều bơ. Sáng nào cũng muốn ăn.")]
        ),
        Order(customer: 3, at: -9 * day, lines: [("banh-kem-dau-tay", 1)], path: delivered + [.refunded]),
        Order(customer: 3, at: -3 * day, lines: [("croissant-hanh-nhan", 4)], path: [.cancelled], cancelledByCustomer: true, paidByCard: true),
        Order(customer: 3, at: -50 * 60, pace: 10 * 60, lines: [("macaron-hop-12", 1)], path: [.confirmed]),
        // Mai → Bronze: the used-up voucher; an order the shop cancelled.
        Order(
            customer: 4,
            at: -6 * day,
            lines: [("banh-kem-tra-xanh", 1)],
            voucher: "BANHMOI",
            path: delivered,
            reviews: [Review(product: "banh-kem-tra-xanh", rating: 5, comment: "Vị trà xanh đậm, không quá ngọt.")]
        ),
        Order(customer: 4, at: -4 * day, lines: [("banh-da-lon", 3)], path: [.confirmed, .cancelled]),
        // Khoa: a new customer whose first order waits for confirmation.
        Order(customer: 5, at: -20 * 60, lines: [("cookie-socola-muoi-bien", 6), ("banh-mi-sua-hokkaido", 2)], path: []),
    ]
}
