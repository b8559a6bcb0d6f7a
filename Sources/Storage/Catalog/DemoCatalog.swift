/// A bakery's worth of demo categories and products, used by `klelite seed-demo` and `make run`.
/// Images are SVG illustrations shipped in `static/images/demo/`.
enum DemoCatalog {
    struct Category {
        let slug: String
        let name: String
        /// In Vietnamese.
        let description: String
        let descriptionEn: String
    }

    struct Product {
        let category: String
        let slug: String
        let name: String
        /// In Vietnamese.
        let description: String
        let descriptionEn: String
        let price: Int
        let compareAtPrice: Int?
        let stock: Int
        let tags: [String]
        /// In Vietnamese.
        let ingredients: String
        let ingredientsEn: String
        let allergens: [String]
        let weightGrams: Int
    }

    static let categories: [Category] = [
        Category(
            slug: "banh-kem",
            name: "Bánh kem",
            description: "Bánh sinh nhật, bánh mừng nhiều lớp kem tươi và trái cây theo mùa.",
            descriptionEn: "Celebration cakes layered with fresh cream and seasonal fruit."
        ),
        Category(
            slug: "banh-mi-ngot",
            name: "Bánh mì ngọt",
            description: "Bánh mì ngọt mềm, nướng mỗi sáng.",
            descriptionEn: "Soft sweet breads baked every morning."
        ),
        Category(
            slug: "viennoiserie",
            name: "Viennoiserie",
            description: "Bánh ngàn lớp kiểu Pháp với bơ Normandy.",
            descriptionEn: "Laminated French pastries with Normandy butter."
        ),
        Category(
            slug: "banh-truyen-thong",
            name: "Bánh truyền thống",
            description: "Bánh Việt truyền thống, làm chậm rãi như xưa.",
            descriptionEn: "Vietnamese classics, made the slow way."
        ),
        Category(
            slug: "macaron-cookies",
            name: "Macaron & Cookies",
            description: "Bánh nhỏ xinh để làm quà và dùng cùng trà.",
            descriptionEn: "Small bites for gifts and tea time."
        ),
        Category(
            slug: "hop-qua",
            name: "Hộp quà",
            description: "Hộp quà cho ngày lễ và lời cảm ơn.",
            descriptionEn: "Gift boxes for holidays and thank-yous."
        ),
    ]

    static let products: [Product] = [
        Product(
            category: "banh-kem",
            slug: "banh-kem-dau-tay",
            name: "Bánh kem dâu tây",
            description: "Cốt chiffon vani, kem Chantilly và dâu tây Đà Lạt.",
            descriptionEn: "Vanilla chiffon, Chantilly cream and Đà Lạt strawberries.",
            price: 450_000,
            compareAtPrice: 520_000,
            stock: 12,
            tags: ["signature", "fruit"],
            ingredients: "Bột mì, trứng, kem tươi, dâu tây, đường, vani",
            ingredientsEn: "Flour, eggs, cream, strawberries, sugar, vanilla",
            allergens: ["gluten", "egg", "milk"],
            weightGrams: 900
        ),
        Product(
            category: "banh-kem",
            slug: "banh-kem-socola-bi",
            name: "Bánh kem sô-cô-la Bỉ",
            description: "Ba lớp ganache sô-cô-la đen Bỉ.",
            descriptionEn: "Three layers of Belgian dark chocolate ganache.",
            price: 520_000,
            compareAtPrice: nil,
            stock: 10,
            tags: ["chocolate", "signature"],
            ingredients: "Sô-cô-la đen 70%, kem tươi, bột mì, trứng, bơ",
            ingredientsEn: "Dark chocolate 70%, cream, flour, eggs, butter",
            allergens: ["gluten", "egg", "milk"],
            weightGrams: 1000
        ),
        Product(
            category: "banh-kem",
            slug: "tiramisu-cafe-viet",
            name: "Tiramisu cà phê Việt",
            description: "Kem mascarpone thấm cà phê robusta Buôn Ma Thuột.",
            descriptionEn: "Mascarpone cream soaked with Buôn Ma Thuột robusta.",
            price: 380_000,
            compareAtPrice: nil,
            stock: 15,
            tags: ["coffee"],
            ingredients: "Phô mai mascarpone, bánh sâm panh, cà phê robusta, bột ca cao",
            ingredientsEn: "Mascarpone, ladyfingers, robusta coffee, cocoa",
            allergens: ["gluten", "egg", "milk"],
            weightGrams: 700
        ),
        Product(
            category: "banh-kem",
            slug: "banh-kem-tra-xanh",
            name: "Bánh kem trà xanh",
            description: "Mousse trà xanh matcha trên cốt bông lan mè đen.",
            descriptionEn: "Matcha mousse on a black sesame sponge.",
            price: 420_000,
            compareAtPrice: 480_000,
            stock: 8,
            tags: ["matcha"],
            ingredients: "Bột trà xanh matcha, kem tươi, mè đen, bột mì, trứng",
            ingredientsEn: "Matcha, cream, sesame, flour, eggs",
            allergens: ["gluten", "egg", "milk", "sesame"],
            weightGrams: 800
        ),
        Product(
            category: "banh-mi-ngot",
            slug: "banh-mi-hoa-cuc",
            name: "Bánh mì hoa cúc",
            description: "Brioche kiểu Pasquier thơm nước hoa cam.",
            descriptionEn: "Brioche Pasquier-style with orange blossom water.",
            price: 95_000,
            compareAtPrice: nil,
            stock: 40,
            tags: ["bestseller"],
            ingredients: "Bột mì, bơ, trứng, nước hoa cam",
            ingredientsEn: "Flour, butter, eggs, orange blossom water",
            allergens: ["gluten", "egg", "milk"],
            weightGrams: 500
        ),
        Product(
            category: "banh-mi-ngot",
            slug: "banh-mi-sua-hokkaido",
            name: "Bánh mì sữa Hokkaido",
            description: "Bánh mì sữa ủ tangzhong, ruột mềm như bông.",
            descriptionEn: "Milk bread with a tangzhong crumb, feather soft.",
            price: 65_000,
            compareAtPrice: nil,
            stock: 35,
            tags: ["milk"],
            ingredients: "Bột mì, sữa, kem tươi, đường, bơ",
            ingredientsEn: "Flour, milk, cream, sugar, butter",
            allergens: ["gluten", "milk"],
            weightGrams: 400
        ),
        Product(
            category: "banh-mi-ngot",
            slug: "banh-mi-nho-oc-cho",
            name: "Bánh mì nho óc chó",
            description: "Bánh mì men tự nhiên với nho khô và óc chó.",
            descriptionEn: "Sourdough loaf with raisins and walnuts.",
            price: 85_000,
            compareAtPrice: nil,
            stock: 20,
            tags: ["sourdough", "nuts"],
            ingredients: "Bột mì, men tự nhiên, nho khô, óc chó, muối",
            ingredientsEn: "Flour, levain, raisins, walnuts, salt",
            allergens: ["gluten", "nuts"],
            weightGrams: 600
        ),
        Product(
            category: "viennoiserie",
            slug: "croissant-bo-phap",
            name: "Croissant bơ Pháp",
            description: "Tám mươi mốt lớp bơ AOP, nướng từ lúc bình minh.",
            descriptionEn: "Eighty-one layers of AOP butter, baked at dawn.",
            price: 45_000,
            compareAtPrice: nil,
            stock: 60,
            tags: ["bestseller", "butter"],
            ingredients: "Bột mì, bơ AOP, sữa, men nở, muối",
            ingredientsEn: "Flour, AOP butter, milk, yeast, salt",
            allergens: ["gluten", "milk"],
            weightGrams: 80
        ),
        Product(
            category: "viennoiserie",
            slug: "pain-au-chocolat",
            name: "Pain au chocolat",
            description: "Hai thỏi sô-cô-la đen cuộn trong lớp vỏ bơ ngàn lớp.",
            descriptionEn: "Two sticks of dark chocolate in a buttery fold.",
            price: 52_000,
            compareAtPrice: nil,
            stock: 50,
            tags: ["chocolate", "butter"],
            ingredients: "Bột mì, bơ, sô-cô-la đen, sữa, men nở",
            ingredientsEn: "Flour, butter, dark chocolate, milk, yeast",
            allergens: ["gluten", "milk"],
            weightGrams: 90
        ),
        Product(
            category: "viennoiserie",
            slug: "croissant-hanh-nhan",
            name: "Croissant hạnh nhân",
            description: "Nướng hai lần với kem frangipane và hạnh nhân rang.",
            descriptionEn: "Twice-baked with frangipane and toasted almonds.",
            price: 58_000,
            compareAtPrice: 65_000,
            stock: 30,
            tags: ["nuts"],
            ingredients: "Bánh sừng bò, kem hạnh nhân, hạnh nhân lát",
            ingredientsEn: "Croissant, almond cream, sliced almonds",
            allergens: ["gluten", "milk", "egg", "nuts"],
            weightGrams: 110
        ),
        Product(
            category: "viennoiserie",
            slug: "kouign-amann",
            name: "Kouign-amann",
            description: "Bánh Breton caramel giòn từ bơ và đường.",
            descriptionEn: "Caramelised Breton cake of butter and sugar.",
            price: 62_000,
            compareAtPrice: nil,
            stock: 18,
            tags: ["butter", "caramel"],
            ingredients: "Bột mì, bơ mặn, đường",
            ingredientsEn: "Flour, salted butter, sugar",
            allergens: ["gluten", "milk"],
            weightGrams: 120
        ),
        Product(
            category: "banh-truyen-thong",
            slug: "banh-bo-nuong",
            name: "Bánh bò nướng",
            description: "Bánh bò nướng lá dứa rỗ tổ ong, béo nước cốt dừa.",
            descriptionEn: "Honeycomb pandan cake with coconut milk.",
            price: 75_000,
            compareAtPrice: nil,
            stock: 25,
            tags: ["pandan", "gluten-free"],
            ingredients: "Bột năng, nước cốt dừa, lá dứa, trứng",
            ingredientsEn: "Tapioca starch, coconut milk, pandan, eggs",
            allergens: ["egg"],
            weightGrams: 500
        ),
        Product(
            category: "banh-truyen-thong",
            slug: "banh-da-lon",
            name: "Bánh da lợn",
            description: "Từng lớp đậu xanh và lá dứa hấp mềm dẻo.",
            descriptionEn: "Steamed layers of mung bean and pandan.",
            price: 60_000,
            compareAtPrice: nil,
            stock: 20,
            tags: ["pandan", "vegan"],
            ingredients: "Bột năng, đậu xanh, nước cốt dừa, lá dứa",
            ingredientsEn: "Tapioca, mung bean, coconut milk, pandan",
            allergens: [],
            weightGrams: 450
        ),
        Product(
            category: "banh-truyen-thong",
            slug: "banh-pia-sau-rieng",
            name: "Bánh pía sầu riêng",
            description: "Bánh pía Sóc Trăng vỏ ngàn lớp, nhân sầu riêng và trứng muối.",
            descriptionEn: "Flaky Sóc Trăng pastry with durian and salted egg yolk.",
            price: 120_000,
            compareAtPrice: 135_000,
            stock: 30,
            tags: ["durian"],
            ingredients: "Bột mì, mỡ heo, sầu riêng, đậu xanh, trứng muối",
            ingredientsEn: "Flour, lard, durian, mung bean, salted egg yolk",
            allergens: ["gluten", "egg"],
            weightGrams: 400
        ),
        Product(
            category: "banh-truyen-thong",
            slug: "banh-trung-thu-thap-cam",
            name: "Bánh trung thu thập cẩm",
            description: "Bánh trung thu thập cẩm với ngũ nhân và lạp xưởng.",
            descriptionEn: "Mid-autumn mooncake with five nuts and Chinese sausage.",
            price: 150_000,
            compareAtPrice: nil,
            stock: 0,
            tags: ["seasonal", "nuts"],
            ingredients: "Bột mì, hạt sen, hạt điều, lạp xưởng, mè",
            ingredientsEn: "Flour, lotus seeds, cashews, sausage, sesame",
            allergens: ["gluten", "nuts", "sesame"],
            weightGrams: 250
        ),
        Product(
            category: "macaron-cookies",
            slug: "macaron-hop-12",
            name: "Macaron hộp 12",
            description: "Mười hai chiếc macaron Paris, sáu hương vị.",
            descriptionEn: "Twelve Parisian macarons in six flavours.",
            price: 280_000,
            compareAtPrice: nil,
            stock: 24,
            tags: ["gift", "bestseller"],
            ingredients: "Bột hạnh nhân, lòng trắng trứng, đường, ganache",
            ingredientsEn: "Almond flour, egg white, sugar, ganache",
            allergens: ["nuts", "egg", "milk"],
            weightGrams: 180
        ),
        Product(
            category: "macaron-cookies",
            slug: "cookie-socola-muoi-bien",
            name: "Cookie sô-cô-la muối biển",
            description: "Bánh quy bơ nâu với sô-cô-la đen và muối biển.",
            descriptionEn: "Brown-butter cookie with dark chocolate and sea salt.",
            price: 35_000,
            compareAtPrice: nil,
            stock: 80,
            tags: ["chocolate"],
            ingredients: "Bột mì, bơ nâu, sô-cô-la, muối biển",
            ingredientsEn: "Flour, brown butter, chocolate, sea salt",
            allergens: ["gluten", "milk", "egg"],
            weightGrams: 70
        ),
        Product(
            category: "macaron-cookies",
            slug: "financier-bo-nau",
            name: "Financier bơ nâu",
            description: "Bánh trà hạnh nhân nướng trong khuôn đồng.",
            descriptionEn: "Almond tea cakes baked in copper moulds.",
            price: 40_000,
            compareAtPrice: nil,
            stock: 45,
            tags: ["nuts", "butter"],
            ingredients: "Bột hạnh nhân, bơ nâu, lòng trắng trứng, mật ong",
            ingredientsEn: "Almond flour, brown butter, egg white, honey",
            allergens: ["nuts", "milk", "egg"],
            weightGrams: 60
        ),
        Product(
            category: "hop-qua",
            slug: "hop-qua-tet-an-khang",
            name: "Hộp quà Tết An Khang",
            description: "Hộp quà Tết: macaron, bánh quy và mứt gừng.",
            descriptionEn: "Lunar New Year box: macarons, cookies and candied ginger.",
            price: 890_000,
            compareAtPrice: 990_000,
            stock: 15,
            tags: ["gift", "seasonal"],
            ingredients: "Nhiều loại bánh",
            ingredientsEn: "Assorted",
            allergens: ["gluten", "nuts", "egg", "milk"],
            weightGrams: 1200
        ),
        Product(
            category: "hop-qua",
            slug: "hop-qua-tra-chieu",
            name: "Hộp quà trà chiều",
            description: "Trà chiều cho hai người: bánh financier và trà sencha.",
            descriptionEn: "Afternoon tea for two with financiers and a sencha.",
            price: 560_000,
            compareAtPrice: nil,
            stock: 12,
            tags: ["gift"],
            ingredients: "Bánh ngọt các loại, trà lá",
            ingredientsEn: "Assorted pastries, loose-leaf tea",
            allergens: ["gluten", "nuts", "egg", "milk"],
            weightGrams: 900
        ),
    ]

    /// The public URL of a product's demo illustration.
    static func imagePath(for slug: String) -> String { "/images/demo/\(slug).svg" }
}
