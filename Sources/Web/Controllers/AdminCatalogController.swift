import Foundation
import Hummingbird
import Storage

/// Admin writes to the catalogue: categories and products (create, change, delete) and product pictures.
struct AdminCatalogController<Context: AppRequestContextProtocol> {
    let catalog: CatalogService
    /// Largest picture upload (bytes).
    var uploadLimit = ProductImageStore.maximumBytes

    /// Mounted at `categories`, admin.
    func addCategoryRoutes(to group: RouterGroup<Context>) {
        group.post(use: createCategory)
        group.patch(":id", use: updateCategory)
        group.delete(":id", use: deleteCategory)
    }

    /// Mounted at `products`, admin.
    func addProductRoutes(to group: RouterGroup<Context>) {
        group.post(use: createProduct)
        group.patch(":id", use: updateProduct)
        group.delete(":id", use: deleteProduct)
        // Behind authentication: only here may a body exceed the default limit (``BodyLimitMiddleware``).
        group.group(":id/images").add(middleware: UploadBodyLimitMiddleware(limit: uploadLimit)).post(use: uploadImage)
    }

    @Sendable func createCategory(_ request: Request, context: Context) async throws -> EditedResponse<Category> {
        let input = try await request.decode(as: CategoryRequest.self, context: context)
        return EditedResponse(status: .created, response: try await catalog.createCategory(input.draft))
    }

    @Sendable func updateCategory(_ request: Request, context: Context) async throws -> Category {
        let input = try await request.decode(as: CategoryRequest.self, context: context)
        return try await catalog.updateCategory(id: try context.parameters.require("id"), input.draft)
    }

    @Sendable func deleteCategory(_ request: Request, context: Context) async throws -> HTTPResponse.Status {
        try await catalog.deleteCategory(id: try context.parameters.require("id"))
        return .noContent
    }

    @Sendable func createProduct(_ request: Request, context: Context) async throws -> EditedResponse<ProductResponse> {
        let input = try await request.decode(as: ProductRequest.self, context: context)
        return EditedResponse(status: .created, response: ProductResponse(try await catalog.createProduct(input.draft)))
    }

    @Sendable func updateProduct(_ request: Request, context: Context) async throws -> ProductResponse {
        let input = try await request.decode(as: ProductRequest.self, context: context)
        return ProductResponse(try await catalog.updateProduct(id: try context.parameters.require("id"), input.draft))
    }

    @Sendable func deleteProduct(_ request: Request, context: Context) async throws -> HTTPResponse.Status {
        try await catalog.deleteProduct(id: try context.parameters.require("id"))
        return .noContent
    }

    /// The body is the picture itself (any declared type; the bytes decide), at most 5 MB.
    @Sendable func uploadImage(_ request: Request, context: Context) async throws -> EditedResponse<ProductResponse> {
        var request = request
        let body = try await request.collectBody(upTo: context.maxUploadSize)
        let product = try await catalog.addImage(productID: try context.parameters.require("id"), data: Data(buffer: body))
        return EditedResponse(status: .created, response: ProductResponse(product))
    }
}
