import Foundation

extension EmailTemplate {
    /// The English half of the plain-text body.
    var englishText: String {
        switch self {
        case .welcome:
            """
            Hello {{{name}}},

            Thank you for creating an account at KLeLite. Visit {{{shopURL}}} for the bakes fresh out of the oven every morning.

            — KLeLite
            """
        case .passwordReset:
            """
            Hello {{{name}}},

            Someone (hopefully you) asked to reset the password of your KLeLite account.
            Open this link within {{{minutes}}} minutes to choose a new password:

            {{{link}}}

            If it was not you, ignore this email: your password stays the same.

            — KLeLite
            """
        case .orderConfirmation:
            """
            Hello {{{name}}},

            Thank you for your order at KLeLite. Order {{{code}}}:
            {{{lines}}}
            Total: {{{total}}} ({{{paymentMethod}}}).

            Follow your order at {{{orderURL}}}

            — KLeLite
            """
        case .orderStatus:
            """
            Hello {{{name}}},

            Your order {{{code}}}: {{{statusLabelEn}}}.
            Details at {{{orderURL}}}

            — KLeLite
            """
        }
    }

    /// The English half of the HTML body (inside the Vietnamese body's page).
    var englishHTML: String {
        switch self {
        case .welcome:
            #"<p>Hello {{name}},</p><p>Thank you for creating an account at KLeLite. <a href="{{shopURL}}">Visit the bakery</a>.</p>"#
        case .passwordReset:
            #"<p>Hello {{name}},</p><p>Someone (hopefully you) asked to reset your KLeLite password. <a href="{{link}}">Choose a new password</a> "#
                + "within {{minutes}} minutes. If it was not you, ignore this email.</p>"
        case .orderConfirmation:
            #"<p>Hello {{name}},</p><p>Thank you for your order <strong>{{code}}</strong>:</p><pre style="font-family:inherit">{{lines}}</pre>"#
                + #"<p>Total: <strong>{{total}}</strong> ({{paymentMethod}}).</p><p><a href="{{orderURL}}">Follow your order</a></p>"#
        case .orderStatus:
            #"<p>Hello {{name}},</p><p>Your order <strong>{{code}}</strong>: {{statusLabelEn}}.</p><p><a href="{{orderURL}}">See the details</a></p>"#
        }
    }
}
