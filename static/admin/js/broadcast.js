// Broadcast: compose a notification for every customer, confirm, and follow its job's progress
// (queued → running → completed, users reached out of enabled users).
import { onLeave, api, clearErrors, confirmAction, el, field, heading, input, showErrors, statusChip, toast, when, T } from "./core.js";

export async function render(root) {
  const form = el("form", { className: "grid panel", id: "broadcast-form", noValidate: true },
    el("div", { className: "wide" }, field(T("Tiêu đề"), input("title", { required: true, maxLength: 200 }))),
    el("div", { className: "wide" }, field(T("Nội dung"), el("textarea", { name: "body", rows: 4, required: true, maxLength: 2000 }))),
    field(T("Liên kết (tuỳ chọn)"), input("link", { placeholder: "/flash-sale.html#…" }), T("Một đường dẫn trong cửa hàng, bắt đầu bằng /.")),
    el("div", { className: "actions wide" }, el("button", { type: "submit", textContent: T("Gửi cho mọi khách hàng") })));
  const progress = el("section", { className: "panel", id: "broadcast-progress", hidden: true, ariaLive: "polite" });
  let timer = null;
  onLeave(() => clearInterval(timer));

  const follow = (id) => {
    progress.hidden = false;
    const draw = async () => {
      const state = await api("GET", `/admin/notifications/${encodeURIComponent(id)}`);
      const share = state.recipients ? Math.round((state.delivered / state.recipients) * 100) : 100;
      progress.replaceChildren(
        el("h2", { textContent: T("Tiến độ") }),
        el("p", {}, statusChip("jobStatus", state.status), " ", el("span", { id: "broadcast-delivered", textContent: `${state.delivered}/${state.recipients}` }), T(" người đã nhận")),
        el("div", { className: "meter", role: "progressbar", ariaValueNow: String(share), ariaValueMin: "0", ariaValueMax: "100", ariaLabel: T("Tiến độ gửi") },
          Object.assign(el("i"), { style: `width:${share}%` })),
        el("p", { className: "muted", textContent: T("Tạo lúc {0}", [when(state.createdAt)]) + (state.completedAt ? T(" · xong lúc {0}", [when(state.completedAt)]) : "") }),
        state.lastError ? el("pre", { className: "error", textContent: state.lastError }) : "");
      if (["completed", "dead"].includes(state.status)) clearInterval(timer);
    };
    clearInterval(timer);
    timer = setInterval(() => draw().catch(() => clearInterval(timer)), 1000);
    return draw();
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { title: form.elements.title.value, body: form.elements.body.value };
    if (form.elements.link.value.trim()) body.link = form.elements.link.value.trim();
    if (!confirmAction(T("Gửi thông báo này tới mọi khách hàng? Không thể thu hồi."))) return;
    try {
      clearErrors(form);
      const { broadcastId } = await api("POST", "/admin/notifications", body);
      toast(T("Đã đưa thông báo vào hàng đợi."));
      form.reset();
      await follow(broadcastId);
    } catch (error) {
      showErrors(form, error);
    }
  });
  root.append(heading(T("Thông báo cho khách hàng")), form, progress);
}
