import Foundation
import Testing

@testable import Storage

@Suite struct VoucherTests {
    @Test(arguments: [
        // kind, value, maxDiscount, subtotal → discount
        (Voucher.Kind.percent, 10, Int?.none, 300_000, 30_000),
        (.percent, 50, 100_000, 300_000, 100_000),  // capped
        (.percent, 100, nil, 45_000, 45_000),
        (.fixed, 50_000, nil, 300_000, 50_000),
        (.fixed, 50_000, nil, 20_000, 20_000),  // never more than the subtotal
    ])
    func discountsFollowKindCapAndSubtotal(kind: Voucher.Kind, value: Int, maxDiscount: Int?, subtotal: Int, expected: Int) {
        let voucher = Voucher(
            id: "v",
            code: "X",
            kind: kind,
            value: value,
            minSubtotal: 0,
            maxDiscount: maxDiscount,
            startsAt: nil,
            endsAt: nil,
            usageLimit: nil,
            perUserLimit: nil,
            usedCount: 0,
            isActive: true
        )
        #expect(voucher.discount(on: subtotal) == expected)
    }

    @Test func aVoucherLowersTheTotalAndShippingUsesTheDiscountedGoods() async throws {
        let fixture = try OrderFixture()
        let vouchers = VoucherService(database: fixture.database, clock: fixture.sales.clock)
        _ = try await vouchers.create(VoucherDraft(code: "banh10", kind: .percent, value: 10, minSubtotal: 100_000))
        var change = CatalogService.ProductDraft()
        (change.price, change.compareAtPrice, change.stock) = (520_000, .some(nil), 5)
        let product = try await fixture.product("croissant-bo-phap")
        _ = try await fixture.catalog.catalog.updateProduct(id: product.id, change)
        let lan = try await fixture.catalog.customer()
        _ = try await fixture.carts.add(.user(lan.user.id), productID: product.id, quantity: 1)
        let (_, preview) = try await vouchers.preview(code: "BANH10", userID: lan.user.id, subtotal: 520_000)
        #expect(preview == 52_000)
        let order = try await fixture.orders.place(
            by: lan,
            CheckoutRequest(address: OrderFixture.address, paymentMethod: .cod, voucherCode: "banh10"),
            idempotencyKey: nil
        )
        #expect(order.discount == 52_000 && order.shippingFee == 30_000 && order.total == 520_000 - 52_000 + 30_000)
        #expect(order.voucherCode == "BANH10")
        let tooSmall = await #expect(throws: AppError.self) { try await vouchers.preview(code: "BANH10", userID: lan.user.id, subtotal: 99_999) }
        #expect(tooSmall?.fields["voucherCode"] != nil)
    }

    /// Twelve shoppers check out with a voucher limited to five uses: exactly five orders get it.
    @Test func usageLimitsHoldUnderConcurrentCheckouts() async throws {
        let fixture = try OrderFixture()
        let vouchers = VoucherService(database: fixture.database, clock: fixture.sales.clock)
        _ = try await vouchers.create(VoucherDraft(code: "FIVE", kind: .fixed, value: 10_000, usageLimit: 5))
        try await fixture.setStock("croissant-bo-phap", 100)
        let product = try await fixture.product("croissant-bo-phap")
        var buyers: [Identity] = []
        for index in 0..<12 {
            let buyer = try await fixture.catalog.customer("v\(index)@example.vn")
            _ = try await fixture.carts.add(.user(buyer.user.id), productID: product.id, quantity: 1)
            buyers.append(buyer)
        }
        let placed = await withTaskGroup(of: Bool.self) { group in
            for buyer in buyers {
                group.addTask {
                    let request = CheckoutRequest(address: OrderFixture.address, paymentMethod: .cod, voucherCode: "FIVE")
                    return (try? await fixture.orders.place(by: buyer, request, idempotencyKey: nil)) != nil
                }
            }
            return await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
        }
        #expect(placed == 5)
        #expect(try await vouchers.list().first?.usedCount == 5)
    }

    @Test func perUserLimitsAndCancellationGiveTheUseBack() async throws {
        let fixture = try OrderFixture()
        let vouchers = VoucherService(database: fixture.database, clock: fixture.sales.clock)
        _ = try await vouchers.create(VoucherDraft(code: "ONCE", kind: .fixed, value: 5_000, perUserLimit: 1))
        try await fixture.setStock("croissant-bo-phap", 10)
        let product = try await fixture.product("croissant-bo-phap")
        let lan = try await fixture.catalog.customer()
        _ = try await fixture.carts.add(.user(lan.user.id), productID: product.id, quantity: 1)
        let first = try await fixture.orders.place(
            by: lan,
            CheckoutRequest(address: OrderFixture.address, paymentMethod: .cod, voucherCode: "ONCE"),
            idempotencyKey: nil
        )
        _ = try await fixture.carts.add(.user(lan.user.id), productID: product.id, quantity: 1)
        let twice = await #expect(throws: AppError.self) {
            try await fixture.orders.place(
                by: lan,
                CheckoutRequest(address: OrderFixture.address, paymentMethod: .cod, voucherCode: "ONCE"),
                idempotencyKey: nil
            )
        }
        #expect(twice?.code == .conflict)
        _ = try await fixture.orders.changeStatus(orderID: first.id, to: .cancelled, by: lan)
        #expect(try await vouchers.list().first?.usedCount == 0)
        _ = try await fixture.orders.place(
            by: lan,
            CheckoutRequest(address: OrderFixture.address, paymentMethod: .cod, voucherCode: "ONCE"),
            idempotencyKey: nil
        )
    }

    @Test func invalidVouchersAreRefusedWithTheirField() async throws {
        let fixture = try OrderFixture()
        let vouchers = VoucherService(database: fixture.database, clock: fixture.sales.clock)
        for (draft, field) in [
            (VoucherDraft(code: "x", kind: .fixed, value: 1), "code"), (VoucherDraft(code: "PCT", kind: .percent, value: 120), "value"),
            (VoucherDraft(code: "LIM", kind: .fixed, value: 1, usageLimit: 0), "usageLimit"),
        ] {
            let error = await #expect(throws: AppError.self) { try await vouchers.create(draft) }
            #expect(error?.fields[field] != nil)
        }
        _ = try await vouchers.create(VoucherDraft(code: "DUP", kind: .fixed, value: 1))
        let duplicate = await #expect(throws: AppError.self) { try await vouchers.create(VoucherDraft(code: "dup", kind: .fixed, value: 1)) }
        #expect(duplicate?.code == .conflict)
        let expired = try await vouchers.create(
            VoucherDraft(code: "OLD", kind: .fixed, value: 1, startsAt: fixture.sales.clock.now() - 100, endsAt: fixture.sales.clock.now() - 1)
        )
        await #expect(throws: AppError.self) { try await vouchers.preview(code: expired.code, userID: "u", subtotal: 100) }
    }
}
