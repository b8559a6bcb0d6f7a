// Users: search, change role, disable (which ends their sessions) with confirmation; a user's loyalty
// balance and history, and a manual adjustment with a reason.
import { api, badge, clearErrors, confirmAction, el, field, heading, input, integer, run, select, showErrors, t, toast, when } from "./core.js";
import { dataTable } from "./table.js";

export async function render(root, [id], query) {
  if (id) return loyalty(root, id, query.get("email") ?? "");
  const search = input("q", { type: "search", placeholder: "Email hoặc tên", value: query.get("q") ?? "" });
  const table = dataTable({
    caption: "Người dùng",
    fetchPage: ({ page, limit, sort }) => {
      const params = new URLSearchParams({ page, limit });
      if (sort) params.set("sort", sort);
      if (search.value.trim()) params.set("q", search.value.trim());
      return api("GET", `/admin/users?${params}`);
    },
    columns: [
      { key: "email", label: "Email", serverSort: true },
      { key: "name", label: "Tên", serverSort: true },
      { key: "role", label: "Vai trò", serverSort: true, render: (u) => role(u) },
      { key: "disabled", label: "Trạng thái", serverSort: true, render: (u) => (u.disabled ? badge("đã khoá", "bad") : badge("hoạt động", "ok")) },
      { key: "createdAt", label: "Tạo lúc", serverSort: true, render: (u) => when(u.createdAt) },
      { key: "actions", label: "", sortable: false, render: (u) => actions(u) },
    ],
  });

  function role(user) {
    const choice = select("role", [["customer", "khách hàng"], ["admin", "quản trị"]], user.role);
    choice.setAttribute("aria-label", `Vai trò của ${user.email}`);
    choice.addEventListener("change", async () => {
      if (!confirmAction(`Đổi vai trò của ${user.email} thành "${choice.value}"?`)) { choice.value = user.role; return; }
      try {
        await api("PATCH", `/admin/users/${user.id}`, { role: choice.value });
        toast("Đã đổi vai trò.");
        await table.refresh();
      } catch (error) {
        choice.value = user.role;
        toast(error.message, true);
      }
    });
    return choice;
  }

  function actions(user) {
    const toggle = el("button", { type: "button", className: user.disabled ? "secondary" : "danger", textContent: user.disabled ? "Mở khoá" : "Khoá" });
    toggle.addEventListener("click", () => run(toggle, async () => {
      if (!user.disabled && !confirmAction(`Khoá ${user.email}? Mọi phiên đăng nhập của họ sẽ kết thúc.`)) return;
      await api("PATCH", `/admin/users/${user.id}`, { disabled: !user.disabled });
      toast(user.disabled ? "Đã mở khoá." : "Đã khoá và đăng xuất người dùng.");
      await table.refresh();
    }));
    const points = el("a", { className: "button secondary", href: `#/users/${user.id}?email=${encodeURIComponent(user.email)}`, textContent: "Điểm" });
    return el("span", { className: "actions" }, toggle, points);
  }

  const form = el("form", { className: "toolbar", role: "search" }, field("Tìm", search), el("button", { type: "submit", textContent: "Tìm" }));
  form.addEventListener("submit", (event) => { event.preventDefault(); table.firstPage(); });
  root.append(heading("Người dùng"), form, table.node);
  await table.refresh();
}

async function loyalty(root, id, email) {
  const summaryBox = el("div", { className: "cards", id: "loyalty-summary" });
  const table = dataTable({
    caption: "Lịch sử điểm (100 mục gần nhất)",
    load: async () => {
      const summary = await api("GET", `/admin/loyalty/${encodeURIComponent(id)}`);
      const stat = (value, label) => el("div", { className: "stat" }, el("b", { textContent: value }), el("span", { textContent: label }));
      summaryBox.replaceChildren(stat(String(summary.balance), "điểm hiện có"), stat(String(summary.lifetimePoints), "điểm tích luỹ"),
        stat(t(`tier.${summary.tier}`), summary.nextTier ? `còn ${summary.pointsToNextTier} điểm lên ${t(`tier.${summary.nextTier}`)}` : "hạng cao nhất"));
      return summary.history;
    },
    columns: [
      { key: "createdAt", label: "Lúc", render: (e) => when(e.createdAt) },
      { key: "kind", label: "Loại", value: (e) => t(`loyalty.${e.kind}`), render: (e) => t(`loyalty.${e.kind}`) },
      { key: "points", label: "Điểm", num: true, render: (e) => (e.points > 0 ? `+${e.points}` : String(e.points)) },
      { key: "reason", label: "Lý do / đơn", value: (e) => e.reason ?? e.orderId ?? "", render: (e) => e.reason ?? (e.orderId ? el("a", { href: `#/orders/${e.orderId}`, textContent: "đơn hàng" }) : "—") },
      { key: "expiresAt", label: "Hết hạn", render: (e) => when(e.expiresAt) },
    ],
  });
  const form = el("form", { className: "grid panel", id: "adjust-form", noValidate: true },
    field("Điểm (+ cộng, − trừ)", input("points", { type: "number", step: 1, required: true })),
    field("Lý do", input("reason", { required: true, maxLength: 200 })),
    el("div", { className: "actions wide" }, el("button", { type: "submit", textContent: "Điều chỉnh" })));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const points = integer(form.elements.points.value);
    if (points < 0 && !confirmAction(`Trừ ${-points} điểm của ${email || "người dùng này"}?`)) return;
    try {
      clearErrors(form);
      await api("POST", `/admin/loyalty/${encodeURIComponent(id)}/adjust`, { points: points ?? 0, reason: form.elements.reason.value });
      toast("Đã điều chỉnh điểm.");
      form.reset();
      await table.refresh();
    } catch (error) {
      showErrors(form, error);
    }
  });
  root.append(heading(`Điểm thưởng: ${email || id}`), summaryBox, el("h2", { textContent: "Điều chỉnh" }), form, table.node,
    el("p", {}, el("a", { href: "#/users", textContent: "Về người dùng" })));
  await table.refresh();
}
