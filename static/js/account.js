// Sign in, register, ask for a reset link, and sign out — against /api/v1/auth.
import { api } from "/js/api.js";

const notice = document.getElementById("notice");
const say = (text) => { notice.textContent = text; };
const fieldsOf = (form) => Object.fromEntries(new FormData(form).entries());
const explain = (error) => [error.message, ...Object.entries(error.fields ?? {}).map(([field, why]) => `${field}: ${why}`)].join(" ");

async function showMe() {
  try {
    const me = await api("GET", "/auth/me");
    document.getElementById("me-name").textContent = me.name;
    document.getElementById("me-email").textContent = me.email;
    document.getElementById("signed-in").hidden = false;
    document.getElementById("signed-out").hidden = true;
  } catch {
    document.getElementById("signed-in").hidden = true;
    document.getElementById("signed-out").hidden = false;
  }
}

function handle(id, action) {
  document.getElementById(id).addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await action(fieldsOf(event.target));
      event.target.reset();
    } catch (error) {
      say(explain(error));
    }
  });
}

handle("login-form", async ({ email, password }) => {
  await api("POST", "/auth/login", { email, password });
  say("Đã đăng nhập.");
  await showMe();
});

handle("register-form", async ({ name, email, phone, password }) => {
  await api("POST", "/auth/register", { name, email, phone: phone || null, password });
  say("Tài khoản đã được tạo.");
  await showMe();
});

handle("forgot-form", async ({ email }) => {
  await api("POST", "/auth/password/forgot", { email });
  say("Nếu email này có tài khoản, chúng tôi đã gửi liên kết đặt lại mật khẩu.");
});

document.getElementById("sign-out").addEventListener("click", async () => {
  await api("POST", "/auth/logout").catch(() => null);
  say("Đã đăng xuất.");
  await showMe();
});

showMe();
