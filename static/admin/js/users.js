// Users: search, change role, disable (which ends their sessions) with confirmation; a user's loyalty
// balance and history, and a manual adjustment with a reason.
import { api, badge, clearErrors, confirmAction, el, field, heading, input, integer, run, select, showErrors, failure, t, toast, when, T } from "./core.js";
import { dataTable } from "./table.js";

export async function render(root, [id], query) {
  if (id) return loyalty(root, id, query.get("email") ?? "");
  const search = input("q", { type: "search", placeholder: T("Email hoặc tên"), value: query.get("q") ?? "" });
  const table = dataTable({
    caption: T("Người dùng"),
    fetchPage: ({ page, limit, sort }) => {
      const params = new URLSearchParams({ page, limit });
      if (sort) params.set("sort", sort);
      if (search.value.trim()) params.set("q", search.value.trim());
      return api("GET", `/admin/users?${params}`);
    },
    columns: [
      { key: "email", label: "Email", serverSort: true },
      { key: "name", label: T("Tên"), serverSort: true },
      { key: "role", label: T("Vai trò"), serverSort: true, render: (u) => role(u) },
      { key: "disabled", label: T("Trạng thái"), serverSort: true, render: (u) => (u.disabled ? badge(T("đã khoá"), "bad") : badge(T("hoạt động"), "ok")) },
      { key: "createdAt", label: T("Tạo lúc"), serverSort: true, render: (u) => when(u.createdAt) },
      { key: "actions", label: "", sortable: false, render: (u) => actions(u) },
    ],
  });

  function role(user) {
    const choice = select("role", [["customer", T("khách hàng")], ["admin", T("quản trị")]], user.role);
    choice.setAttribute("aria-label", T("Vai trò của {0}", [user.email]));
    choice.addEventListener("change", async () => {
      if (!confirmAction(T("Đổi vai trò của {0} thành \"{1}\"?", [user.email, choice.value]))) { choice.value = user.role; return; }
      try {
        await api("PATCH", `/admin/users/${user.id}`, { role: choice.value });
        toast(T("Đã đổi vai trò."));
        await table.refresh();
      } catch (error) {
        choice.value = user.role;
        toast(failure(error), true);
      }
    });
    return choice;
  }

  function actions(user) {
    const toggle = el("button", { type: "button", className: user.disabled ? "secondary" : "danger", textContent: user.disabled ? T("Mở khoá") : T("Khoá") });
    toggle.addEventListener("click", () => run(toggle, async () => {
      if (!user.disabled && !confirmAction(T("Khoá {0}? Mọi phiên đăng nhập của họ sẽ kết thúc.", [user.email]))) return;
      await api("PATCH", `/admin/users/${user.id}`, { disabled: !user.disabled });
      toast(user.disabled ? T("Đã mở khoá.") : T("Đã khoá và đăng xuất người dùng."));
      await table.refresh();
    }));
    const points = el("a", { className: "button secondary", href: `#/users/${user.id}?email=${encodeURIComponent(user.email)}`, textContent: T("Điểm") });
    return el("span", { className: "actions" }, toggle, points);
  }

  const form = el("form", { className: "toolbar", role: "search" }, field(T("Tìm"), search), el("button", { type: "submit", textContent: T("Tìm") }));
  form.addEventListener("submit", (event) => { event.preventDefault(); table.firstPage(); });
  root.append(heading(T("Người dùng")), form, table.node);
  await table.refresh();
}

async function loyalty(root, id, email) {
  const summaryBox = el("div", { className: "cards", id: "loyalty-summary" });
  const table = dataTable({
    caption: T("Lịch sử điểm (100 mục gần nhất)"),
    load: async () => {
      const summary = await api("GET", `/admin/loyalty/${encodeURIComponent(id)}`);
      const stat = (value, label) => el("div", { className: "stat" }, el("b", { textContent: value }), el("span", { textContent: label }));
      summaryBox.replaceChildren(stat(String(summary.balance), T("điểm hiện có")), stat(String(summary.lifetimePoints), T("điểm tích luỹ")),
        stat(t(`tier.${summary.tier}`), summary.nextTier ? `còn ${summary.pointsToNextTier} điểm lên ${t(`tier.${summary.nextTier}`)}` : T("hạng cao nhất")));
      return summary.history;
    },
    columns: [
      { key: "createdAt", label: T("Lúc"), render: (e) => when(e.createdAt) },
      { key: "kind", label: T("Loại"), value: (e) => t(`loyalty.${e.kind}`), render: (e) => t(`loyalty.${e.kind}`) },
      { key: "points", label: T("Điểm"), num: true, render: (e) => (e.points > 0 ? `+${e.points}` : String(e.points)) },
      { key: "reason", label: T("Lý do / đơn"), value: (e) => e.reason ?? e.orderId ?? "", render: (e) => e.reason ?? (e.orderId ? el("a", { href: `#/orders/${e.orderId}`, textContent: T("đơn hàng") }) : "—") },
      { key: "expiresAt", label: T("Hết hạn"), render: (e) => when(e.expiresAt) },
    ],
  });
  const form = el("form", { className: "grid panel", id: "adjust-form", noValidate: true },
    field(T("Điểm (+ cộng, − trừ)"), input("points", { type: "number", step: 1, required: true })),
    field(T("Lý do"), input("reason", { required: true, maxLength: 200 })),
    el("div", { className: "actions wide" }, el("button", { type: "submit", textContent: T("Điều chỉnh") })));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const points = integer(form.elements.points.value);
    if (points < 0 && !confirmAction(T("Trừ {0} điểm của {1}?", [-points, email || T("người dùng này")]))) return;
    try {
      clearErrors(form);
      await api("POST", `/admin/loyalty/${encodeURIComponent(id)}/adjust`, { points: points ?? 0, reason: form.elements.reason.value });
      toast(T("Đã điều chỉnh điểm."));
      form.reset();
      await table.refresh();
    } catch (error) {
      showErrors(form, error);
    }
  });
  root.append(heading(T("Điểm thưởng: {0}", [email || id])), summaryBox, el("h2", { textContent: T("Điều chỉnh") }), form, table.node,
    el("p", {}, el("a", { href: "#/users", textContent: T("Về người dùng") })));
  await table.refresh();
}
