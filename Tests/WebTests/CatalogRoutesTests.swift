import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Storage
@testable import Web

/// Signs in the demo admin and a customer on a seeded shop.
private func seededShop() async throws -> ShopFixture {
    let shop = try ShopFixture()
    _ = try shop.database.seedDemoData(now: shop.clock.now())
    try await shop.createAdmin()
    return shop
}

private func signedInAdmin(_ client: any TestClientProtocol) async throws -> Browser {
    let admin = Browser(client)
    #expect(try await admin.login("boss@klelite.vn", "bakery2024").status == .ok)
    return admin
}

@Suite struct CatalogRoutesTests {
    @Test func listSearchAndDetailServeTheDemoCatalogue() async throws {
        let shop = try await seededShop()
        try await shop.app.test(.router) { client in
            let list = try await client.execute(uri: "/api/v1/products?category=banh-kem&sort=price&limit=2", method: .get)
            #expect(list.status == .ok)
            let body = try list.json()
            #expect(body["limit"] as? Int == 2 && body["page"] as? Int == 1 && (body["total"] as? Int ?? 0) >= 2)
            let items = try #require(body["items"] as? [[String: Any]])
            #expect(items.count == 2)
            #expect((items[0]["price"] as? Int ?? 0) <= (items[1]["price"] as? Int ?? 0))
            #expect((items[0]["category"] as? [String: Any])?["slug"] as? String == "banh-kem")

            let search = try await client.execute(uri: "/api/v1/products?q=b%C3%A1nh%20kem%20d%C3%A2u", method: .get)
            #expect(((try search.json()["items"] as? [[String: Any]])?.first?["slug"]) as? String == "banh-kem-dau-tay")

            let detail = try await client.execute(uri: "/api/v1/products/banh-kem-dau-tay", method: .get)
            let product = try detail.json()
            #expect(product["name"] as? String == "Bánh kem dâu tây")
            #expect((product["rating"] as? [String: Any])?["count"] as? Int == 0)
            let byID = try await client.execute(uri: "/api/v1/products/\(product["id"] as? String ?? "")", method: .get)
            #expect(byID.status == .ok)
            #expect(try await client.execute(uri: "/api/v1/products/no-such-cake", method: .get).status == .notFound)

            let categories = try await client.execute(uri: "/api/v1/categories", method: .get)
            #expect((try categories.json()["items"] as? [Any])?.count == DemoCatalog.categories.count)
        }
    }

    @Test(arguments: [
        "limit=0", "limit=101", "page=0", "page=x", "minPrice=abc", "minPrice=1.5", "minPrice=-5", "inStock=maybe", "sort=cheapest",
        "minPrice=500&maxPrice=100",
    ])
    func badListParametersAre400(query: String) async throws {
        let shop = try await seededShop()
        try await shop.app.test(.router) { client in
            let response = try await client.execute(uri: "/api/v1/products?\(query)", method: .get)
            #expect(response.status == .badRequest, "\(query)")
            #expect(response.errorCode == "validation_failed")
        }
    }

    @Test func matchingETagGets304AndAWriteChangesTheETag() async throws {
        let shop = try await seededShop()
        try await shop.app.test(.router) { client in
            let first = try await client.execute(uri: "/api/v1/products/croissant-bo-phap", method: .get)
            let etag = try #require(first.headers[.eTag])
            #expect(first.headers[.cacheControl] == "no-cache")
            let hit = try await client.execute(uri: "/api/v1/products/croissant-bo-phap", method: .get)
            #expect(hit.headers[.eTag] == etag && hit.headers[.cacheControl] == "no-cache")
            #expect(hit.headers[.contentType] == "application/json; charset=utf-8" && hit.headers[.xContentTypeOptions] == "nosniff")
            #expect(hit.body == first.body)
            let revalidated = try await client.execute(uri: "/api/v1/products/croissant-bo-phap", method: .get, headers: [.ifNoneMatch: etag])
            #expect(revalidated.status == .notModified)
            #expect(revalidated.body.readableBytes == 0)

            let admin = try await signedInAdmin(client)
            let id = try #require(try first.json()["id"] as? String)
            #expect(try await admin.send(.patch, "/api/v1/products/\(id)", json: #"{"price": 99000}"#).status == .ok)
            let after = try await client.execute(uri: "/api/v1/products/croissant-bo-phap", method: .get, headers: [.ifNoneMatch: etag])
            #expect(after.status == .ok)
            #expect(try after.json()["price"] as? Int == 99000)
            #expect(after.headers[.eTag] != etag)
        }
    }

    /// After each kind of write returns, the next read through the cache shows it.
    @Test func noStaleReadAfterAnyKindOfWrite() async throws {
        let shop = try await seededShop()
        try await shop.app.test(.router) { client in
            let admin = try await signedInAdmin(client)
            func read(_ uri: String) async throws -> String { String(buffer: try await client.execute(uri: uri, method: .get).body) }
            _ = try await read("/api/v1/categories")
            _ = try await read("/api/v1/products?limit=100")

            let category = try await admin.send(.post, "/api/v1/categories", json: #"{"name":"Bánh mùa đông","sortOrder":1}"#)
            #expect(category.status == .created)
            let categoryID = try #require(try category.json()["id"] as? String)
            #expect(try await read("/api/v1/categories").contains("Bánh mùa đông"))

            let created = try await admin.send(
                .post,
                "/api/v1/products",
                json: #"{"name":"Bánh gừng","price":75000,"stock":4,"categoryId":"\#(categoryID)","tags":["gừng"]}"#
            )
            #expect(created.status == .created)
            let productID = try #require(try created.json()["id"] as? String)
            #expect(try await read("/api/v1/products?limit=100").contains("banh-gung"))
            #expect(try await read("/api/v1/products?q=gung").contains("banh-gung"))

            #expect(try await admin.send(.patch, "/api/v1/categories/\(categoryID)", json: #"{"name":"Bánh Giáng sinh"}"#).status == .ok)
            #expect(try await read("/api/v1/categories").contains("Bánh Giáng sinh"))
            #expect(try await read("/api/v1/products/banh-gung").contains("Bánh Giáng sinh"))

            let customer = Browser(client)
            try await customer.register()
            let unverified = try await customer.send(.post, "/api/v1/products/banh-gung/reviews", json: #"{"rating":4,"comment":"Thơm"}"#)
            #expect(unverified.status == .forbidden)
            try await shop.deliver("banh-gung", to: "lan@example.vn")
            let review = try await customer.send(.post, "/api/v1/products/banh-gung/reviews", json: #"{"rating":4,"comment":"Thơm"}"#)
            #expect(review.status == .created)
            #expect(try await read("/api/v1/products/banh-gung").contains(#""count":1"#))
            #expect(try await read("/api/v1/products/banh-gung/reviews").contains("Thơm"))

            let reviewID = try #require(try review.json()["id"] as? String)
            #expect(try await customer.send(.delete, "/api/v1/reviews/\(reviewID)").status == .noContent)
            #expect(try await read("/api/v1/products/banh-gung").contains(#""count":0"#))

            #expect(try await admin.send(.delete, "/api/v1/products/\(productID)").status == .noContent)
            #expect(!(try await read("/api/v1/products?limit=100")).contains("banh-gung"))
            #expect(try await client.execute(uri: "/api/v1/products/banh-gung", method: .get).status == .notFound)

            #expect(try await admin.send(.delete, "/api/v1/categories/\(categoryID)").status == .noContent)
            #expect(!(try await read("/api/v1/categories")).contains("Bánh Giáng sinh"))
        }
    }

    @Test func catalogueWritesNeedAnAdmin() async throws {
        let shop = try await seededShop()
        try await shop.app.test(.router) { client in
            let anonymous = try await client.execute(
                uri: "/api/v1/products",
                method: .post,
                headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"name":"x","price":1}"#)
            )
            #expect(anonymous.status == .unauthorized)
            let customer = Browser(client)
            try await customer.register()
            #expect(try await customer.send(.post, "/api/v1/products", json: #"{"name":"x","price":1}"#).status == .forbidden)
            #expect(try await customer.send(.delete, "/api/v1/categories/x").status == .forbidden)
            let review = try await client.execute(
                uri: "/api/v1/products/croissant-bo-phap/reviews",
                method: .post,
                headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"rating":5}"#)
            )
            #expect(review.status == .unauthorized)
        }
    }

    @Test func productValidationNamesFieldsAndRefusesFractionalMoney() async throws {
        let shop = try await seededShop()
        try await shop.app.test(.router) { client in
            let admin = try await signedInAdmin(client)
            let fractional = try await admin.send(.post, "/api/v1/products", json: #"{"name":"x","price":1.5}"#)
            #expect(fractional.status == .badRequest)
            let negative = try await admin.send(.post, "/api/v1/products", json: #"{"name":"x","price":-1}"#)
            #expect(((try negative.json()["error"] as? [String: Any])?["fields"] as? [String: String])?["price"] != nil)
            let clientTotal = try await admin.send(.post, "/api/v1/products", json: #"{"name":"Bánh su kem","price":20000,"total":1,"rating":5}"#)
            #expect(clientTotal.status == .created)
            #expect((try clientTotal.json()["rating"] as? [String: Any])?["count"] as? Int == 0)
            let id = try #require(try clientTotal.json()["id"] as? String)
            let cleared = try await admin.send(.patch, "/api/v1/products/\(id)", json: #"{"weightGrams":250}"#)
            #expect(try cleared.json()["weightGrams"] as? Int == 250)
            let nulled = try await admin.send(.patch, "/api/v1/products/\(id)", json: #"{"weightGrams":null}"#)
            #expect(try nulled.json()["weightGrams"] == nil)
        }
    }

    @Test func adminsWriteIngredientsAndCategoryDescriptionsInEnglishThroughTheAPI() async throws {
        let shop = try await seededShop()
        try await shop.app.test(.router) { client in
            let admin = try await signedInAdmin(client)
            let product = try await admin.send(
                .post,
                "/api/v1/products",
                json: #"{"name":"Bánh gừng","price":40000,"ingredients":"Bột mì, gừng","ingredientsEn":"Flour, ginger"}"#
            )
            #expect(product.status == .created)
            #expect(try product.json()["ingredients"] as? String == "Bột mì, gừng" && product.json()["ingredientsEn"] as? String == "Flour, ginger")
            let id = try #require(try product.json()["id"] as? String)
            let longText = String(repeating: "a", count: 5001)
            let tooLong = try await admin.send(.patch, "/api/v1/products/\(id)", json: "{\"ingredientsEn\":\"\(longText)\"}")
            #expect(((try tooLong.json()["error"] as? [String: Any])?["fields"] as? [String: String])?["ingredientsEn"] != nil)
            let category = try await admin.send(.post, "/api/v1/categories", json: #"{"name":"Bánh mùa thu","descriptionEn":"Autumn bakes."}"#)
            #expect(category.status == .created)
            #expect(try category.json()["descriptionEn"] as? String == "Autumn bakes.")
            let categoryID = try #require(try category.json()["id"] as? String)
            let changed = try await admin.send(.patch, "/api/v1/categories/\(categoryID)", json: #"{"descriptionEn":"Bakes for autumn."}"#)
            #expect(try changed.json()["descriptionEn"] as? String == "Bakes for autumn.")
            let croissant = try await client.execute(uri: "/api/v1/products/croissant-bo-phap", method: .get).json()
            #expect(croissant["ingredients"] as? String == "Bột mì, bơ AOP, sữa, men nở, muối")
            #expect(croissant["ingredientsEn"] as? String == "Flour, AOP butter, milk, yeast, salt")
        }
    }

    @Test func inactiveProductsAreListedOnlyForAdminsWhoAsk() async throws {
        let shop = try await seededShop()
        try await shop.app.test(.router) { client in
            let admin = try await signedInAdmin(client)
            let id = try #require(try await client.execute(uri: "/api/v1/products/kouign-amann", method: .get).json()["id"] as? String)
            #expect(try await admin.send(.patch, "/api/v1/products/\(id)", json: #"{"isActive":false}"#).status == .ok)
            let publicList = String(buffer: try await client.execute(uri: "/api/v1/products?limit=100&includeInactive=true", method: .get).body)
            #expect(!publicList.contains("kouign-amann"))
            let adminList = String(buffer: try await admin.send(.get, "/api/v1/products?limit=100&includeInactive=true").body)
            #expect(adminList.contains("kouign-amann"))
            #expect(try await admin.send(.get, "/api/v1/products/kouign-amann?includeInactive=true").status == .ok)
        }
    }

    @Test func uploadsAreCheckedByContentAndSize() async throws {
        let shop = try await seededShop()
        try await shop.app.test(.router) { client in
            let admin = try await signedInAdmin(client)
            let id = try #require(try await client.execute(uri: "/api/v1/products/kouign-amann", method: .get).json()["id"] as? String)
            func upload(_ bytes: [UInt8], contentType: String = "image/png") async throws -> TestResponse {
                let cookies = admin.cookies
                return try await client.execute(
                    uri: "/api/v1/products/\(id)/images",
                    method: .post,
                    headers: [
                        .contentType: contentType,
                        .cookie: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "),
                        HTTPField.Name("X-CSRF-Token")!: cookies[SessionCookies.csrf] ?? "",
                    ],
                    body: ByteBuffer(bytes: bytes)
                )
            }
            let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 7, count: 2 * 1024 * 1024)
            let stored = try await upload(png, contentType: "application/octet-stream")
            #expect(stored.status == .created)
            let path = try #require((try stored.json()["images"] as? [String])?.last)
            #expect(path.hasPrefix("/uploads/") && path.hasSuffix(".png"))
            let served = try await client.execute(uri: path, method: .get)
            #expect(served.status == .ok && served.body.readableBytes == png.count)
            #expect(served.headers[.cacheControl]?.contains("max-age=31536000") == true)
            // A ranged request gets the whole picture, even one starting past its end (Hummingbird would answer that
            // with a negative Content-Length).
            for method in [HTTPRequest.Method.get, .head] {
                for range in ["bytes=0-99", "bytes=\(png.count + 10)-", "bytes=-5"] {
                    let whole = try await client.execute(uri: path, method: method, headers: [.range: range])
                    #expect(whole.status == .ok && whole.body.readableBytes == (method == .get ? png.count : 0), "\(method) \(range)")
                    #expect(whole.headers[.contentLength] == String(png.count) && whole.headers[.contentRange] == nil, "\(method) \(range)")
                }
            }

            let disguised = try await upload(Array("<script>alert(1)</script>".utf8), contentType: "image/png")
            #expect(disguised.status == .unsupportedMediaType)
            let huge = try await upload([0xFF, 0xD8, 0xFF] + Array(repeating: 0, count: 5 * 1024 * 1024 + 1), contentType: "image/jpeg")
            #expect(huge.status == .contentTooLarge)
        }
    }
}
