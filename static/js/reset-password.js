// Sets a new password with the one-time token from the emailed link. The token travels in the URL
// fragment, which browsers never send to servers or in Referer headers.
import { api } from "/js/api.js";
import { explain } from "/js/i18n.js";
import "/js/layout.js";

const notice = document.getElementById("notice");
const form = document.getElementById("reset-form");
const token = new URLSearchParams(location.hash.slice(1)).get("token");
history.replaceState(null, "", location.pathname);

if (!token) {
  notice.textContent = "Liên kết không hợp lệ. Hãy yêu cầu một liên kết mới từ trang tài khoản.";
  form.hidden = true;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    await api("POST", "/auth/password/reset", { token, password: new FormData(form).get("password") });
    form.hidden = true;
    notice.innerHTML = 'Mật khẩu đã được đổi. <a href="/account.html">Đăng nhập</a>';
  } catch (error) {
    notice.textContent = explain(error);
  }
});
