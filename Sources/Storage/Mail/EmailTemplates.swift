import Foundation
import Mustache

/// The shop's emails, each a subject plus plain-text and HTML bodies rendered with Mustache.
/// HTML bodies use `{{ }}`, which escapes what users typed (names); plain-text bodies use `{{{ }}}`.
/// Every email speaks both of the shop's languages: Vietnamese first, then English (`english*`).
public enum EmailTemplate: String, Sendable, Codable, CaseIterable {
    case welcome
    case passwordReset
    case orderConfirmation
    case orderStatus

    var subject: String {
        switch self {
        case .welcome: "Chào mừng bạn đến với KLeLite · Welcome to KLeLite"
        case .passwordReset: "Đặt lại mật khẩu KLeLite · Reset your KLeLite password"
        case .orderConfirmation: "KLeLite đã nhận đơn {{code}} · Order {{code}} received"
        case .orderStatus: "Đơn {{code}}: {{statusLabel}} · Order {{code}}: {{statusLabelEn}}"
        }
    }

    var text: String {
        switch self {
        case .welcome:
            """
            Xin chào {{{name}}},

            Cảm ơn bạn đã tạo tài khoản tại KLeLite. Ghé tiệm tại {{{shopURL}}} để xem bánh mới ra lò mỗi sáng.

            — KLeLite
            """
        case .passwordReset:
            """
            Xin chào {{{name}}},

            Ai đó (hy vọng là bạn) vừa yêu cầu đặt lại mật khẩu tài khoản KLeLite.
            Mở liên kết sau trong vòng {{{minutes}}} phút để chọn mật khẩu mới:

            {{{link}}}

            Nếu không phải bạn, hãy bỏ qua email này: mật khẩu của bạn vẫn giữ nguyên.

            — KLeLite
            """
        case .orderConfirmation:
            """
            Xin chào {{{name}}},

            Cảm ơn bạn đã đặt bánh tại KLeLite. Đơn {{{code}}} gồm:
            {{{lines}}}
            Tổng cộng: {{{total}}} ({{{paymentMethod}}}).

            Theo dõi đơn tại {{{orderURL}}}

            — KLeLite
            """
        case .orderStatus:
            """
            Xin chào {{{name}}},

            Đơn {{{code}}} của bạn: {{{statusLabel}}}.
            Chi tiết tại {{{orderURL}}}

            — KLeLite
            """
        }
    }

    var html: String {
        switch self {
        case .welcome:
            """
            <!doctype html><html lang="vi"><body style="font-family:Georgia,serif;color:#4e342e;background:#fff8f0;padding:24px">
            <h1 style="color:#c2185b;letter-spacing:4px">KLeLite</h1>
            <p>Xin chào {{name}},</p>
            <p>Cảm ơn bạn đã tạo tài khoản tại KLeLite. <a href="{{shopURL}}">Ghé tiệm</a> để xem bánh mới ra lò mỗi sáng.</p>
            </body></html>
            """
        case .passwordReset:
            """
            <!doctype html><html lang="vi"><body style="font-family:Georgia,serif;color:#4e342e;background:#fff8f0;padding:24px">
            <h1 style="color:#c2185b;letter-spacing:4px">KLeLite</h1>
            <p>Xin chào {{name}},</p>
            <p>Ai đó (hy vọng là bạn) vừa yêu cầu đặt lại mật khẩu tài khoản KLeLite.</p>
            <p><a href="{{link}}" style="background:#c2185b;color:#fff;padding:10px 18px;border-radius:4px;text-decoration:none">Chọn mật khẩu mới</a></p>
            <p>Liên kết có hiệu lực trong {{minutes}} phút. Nếu không phải bạn, hãy bỏ qua email này.</p>
            </body></html>
            """
        case .orderConfirmation:
            """
            <!doctype html><html lang="vi"><body style="font-family:Georgia,serif;color:#4e342e;background:#fff8f0;padding:24px">
            <h1 style="color:#c2185b;letter-spacing:4px">KLeLite</h1>
            <p>Xin chào {{name}},</p>
            <p>Cảm ơn bạn đã đặt bánh. Đơn <strong>{{code}}</strong>:</p>
            <pre style="font-family:inherit">{{lines}}</pre>
            <p>Tổng cộng: <strong>{{total}}</strong> ({{paymentMethod}}).</p>
            <p><a href="{{orderURL}}">Theo dõi đơn hàng</a></p>
            </body></html>
            """
        case .orderStatus:
            """
            <!doctype html><html lang="vi"><body style="font-family:Georgia,serif;color:#4e342e;background:#fff8f0;padding:24px">
            <h1 style="color:#c2185b;letter-spacing:4px">KLeLite</h1>
            <p>Xin chào {{name}},</p>
            <p>Đơn <strong>{{code}}</strong> của bạn: {{statusLabel}}.</p>
            <p><a href="{{orderURL}}">Xem chi tiết</a></p>
            </body></html>
            """
        }
    }

    /// The message for `to`, with `values` filled into the subject and both bodies, Vietnamese then English.
    public func render(id: String, to: String, values: [String: String]) throws -> MailMessage {
        let compiled = try Self.compiled[self] ?? compile()
        return MailMessage(
            id: id,
            to: to,
            subject: try compiled.subject.render(values),
            textBody: try compiled.text.render(values),
            htmlBody: try compiled.html.render(values)
        )
    }
}
