// Jobs: counts per queue and status, the job list filtered by status and queue (dead ones first by default)
// with the last error, and a retry button for dead jobs.
import { api, el, field, heading, run, select, statusChip, t, toast, when, T } from "./core.js";
import { dataTable } from "./table.js";

const STATUSES = ["queued", "running", "completed", "dead"];

export async function render(root, _, query) {
  const counts = el("div", { className: "table-wrap", id: "job-counts" });
  const drawCounts = async () => {
    const { items } = await api("GET", "/admin/jobs/counts");
    const queues = [...new Set(items.map((c) => c.queue))];
    const count = (queue, status) => items.find((c) => c.queue === queue && c.status === status)?.count ?? 0;
    counts.replaceChildren(el("table", {},
      el("caption", { className: "muted", textContent: T("Số tác vụ theo hàng đợi và trạng thái") }),
      el("thead", {}, el("tr", {}, el("th", { scope: "col", textContent: T("Hàng đợi") }), ...STATUSES.map((s) => el("th", { scope: "col", className: "num", textContent: t(`jobStatus.${s}`) })))),
      el("tbody", {}, ...queues.map((queue) => el("tr", {}, el("th", { scope: "row", textContent: queue }),
        ...STATUSES.map((s) => el("td", { className: "num", id: `count-${queue}-${s}`, textContent: String(count(queue, s)) })))))));
  };
  const status = select("status", [["", T("Mọi trạng thái")], ...STATUSES.map((s) => [s, t(`jobStatus.${s}`)])], query.get("status") ?? "dead");
  const queue = select("queue", [["", T("Mọi hàng đợi")], ["email", "email"], ["notifications", "notifications"]], query.get("queue") ?? "");
  const table = dataTable({
    caption: T("Tác vụ, mới nhất trước"),
    fetchPage: ({ page, limit, sort }) => {
      const params = new URLSearchParams({ page, limit });
      if (sort) params.set("sort", sort);
      if (status.value) params.set("status", status.value);
      if (queue.value) params.set("queue", queue.value);
      return api("GET", `/admin/jobs?${params}`);
    },
    columns: [
      { key: "id", label: "#", num: true, serverSort: true },
      { key: "queue", label: T("Hàng đợi"), serverSort: true },
      { key: "kind", label: T("Loại"), serverSort: true },
      { key: "status", label: T("Trạng thái"), serverSort: true, render: (j) => statusChip("jobStatus", j.status) },
      { key: "attempts", label: T("Lần thử"), num: true, serverSort: true, render: (j) => `${j.attempts}/${j.maxAttempts}` },
      { key: "updatedAt", label: T("Cập nhật"), serverSort: true, render: (j) => when(j.updatedAt) },
      { key: "lastError", label: T("Lỗi gần nhất"), render: (j) => (j.lastError ? el("pre", { className: "error", textContent: j.lastError }) : "—") },
      { key: "actions", label: "", sortable: false, render: (j) => (j.status === "dead" ? retry(j) : "") },
    ],
  });
  function retry(job) {
    const button = el("button", { type: "button", textContent: T("Chạy lại") });
    button.dataset.job = String(job.id);
    button.addEventListener("click", () => run(button, async () => {
      await api("POST", `/admin/jobs/${job.id}/retry`);
      toast(T("Tác vụ #{0} đã vào lại hàng đợi.", [job.id]));
      await Promise.all([table.refresh(), drawCounts()]);
    }));
    return button;
  }
  const form = el("form", { className: "toolbar" }, field(T("Trạng thái"), status), field(T("Hàng đợi"), queue), el("button", { type: "submit", textContent: T("Lọc") }));
  form.addEventListener("submit", (event) => { event.preventDefault(); Promise.all([table.firstPage(), drawCounts()]); });
  root.append(heading(T("Tác vụ nền")), counts, el("h2", { textContent: T("Danh sách") }), form, table.node);
  await Promise.all([drawCounts(), table.refresh()]);
}
