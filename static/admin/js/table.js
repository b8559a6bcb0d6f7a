// Every admin list: a table with sortable column headers and a pager.
//
// Two sources: `fetchPage({page, limit, sort})` asks the API for one page, sorted by the API across all pages:
// only columns with `serverSort` can be sorted (`true` sends `sort=key` or `sort=-key`; a function of
// `descending` returns the API's own value). Or `load()` returns the whole list (lists the API does not page),
// which is then sorted and paged here, by any column. Sorting one page alone would mislead, so it never happens.
import { el, T } from "./core.js";

export function dataTable({ caption, columns, fetchPage, load, pageSize = 20, empty = T("Không có mục nào.") }) {
  const state = { page: 1, sort: null, descending: false, rows: [], total: 0, all: null };
  const table = el("table");
  const pager = el("nav", { className: "pager", ariaLabel: T("Trang của {0}", [caption]) });
  const root = el("div", {}, el("div", { className: "table-wrap" }, table), pager);

  function sortValue(column, row) {
    const value = column.value ? column.value(row) : row[column.key];
    return value ?? "";
  }

  function sorted(rows) {
    const column = columns.find((c) => c.key === state.sort);
    if (!column) return rows;
    const direction = state.descending ? -1 : 1;
    return [...rows].sort((a, b) => {
      const x = sortValue(column, a);
      const y = sortValue(column, b);
      if (typeof x === "number" && typeof y === "number") return (x - y) * direction;
      return String(x).localeCompare(String(y), "vi") * direction;
    });
  }

  function header() {
    const row = el("tr");
    for (const column of columns) {
      const th = el("th", { scope: "col", className: column.num ? "num" : "" });
      if (column.sortable === false || (fetchPage && !column.serverSort)) {
        th.textContent = column.label;
      } else {
        const active = state.sort === column.key;
        th.setAttribute("aria-sort", active ? (state.descending ? "descending" : "ascending") : "none");
        const button = el("button", { type: "button", textContent: column.label + (active ? (state.descending ? " ▼" : " ▲") : "") });
        button.dataset.sort = column.key;
        button.addEventListener("click", () => {
          state.descending = state.sort === column.key ? !state.descending : false;
          state.sort = column.key;
          state.page = 1;
          refresh();
        });
        th.append(button);
      }
      row.append(th);
    }
    return el("thead", {}, row);
  }

  function body(rows) {
    const tbody = el("tbody");
    if (rows.length === 0) {
      tbody.append(el("tr", {}, el("td", { colSpan: columns.length, className: "muted", textContent: empty })));
    }
    for (const item of rows) {
      const row = el("tr");
      for (const column of columns) {
        const cell = el("td", { className: column.num ? "num" : "" });
        const content = column.render ? column.render(item) : item[column.key];
        cell.append(content ?? "");
        row.append(cell);
      }
      tbody.append(row);
    }
    return tbody;
  }

  function renderPager(limit) {
    const pages = Math.max(1, Math.ceil(state.total / limit));
    const previous = el("button", { type: "button", className: "secondary", textContent: T("‹ Trước"), disabled: state.page <= 1 });
    const next = el("button", { type: "button", className: "secondary", textContent: T("Sau ›"), disabled: state.page >= pages });
    previous.addEventListener("click", () => { state.page -= 1; refresh(); });
    next.addEventListener("click", () => { state.page += 1; refresh(); });
    pager.replaceChildren(previous, el("span", { textContent: T("Trang {0}/{1} · {2} mục", [state.page, pages, state.total]) }), next);
  }

  async function refresh({ reload = false } = {}) {
    let rows;
    if (fetchPage) {
      const column = columns.find((c) => c.key === state.sort);
      let serverSort;
      if (typeof column?.serverSort === "function") serverSort = column.serverSort(state.descending);
      else if (column?.serverSort) serverSort = `${state.descending ? "-" : ""}${column.key}`;
      const answer = await fetchPage({ page: state.page, limit: pageSize, sort: serverSort });
      state.total = answer.total;
      rows = answer.items;
    } else {
      if (reload || state.all === null) state.all = await load();
      state.total = state.all.length;
      const pages = Math.max(1, Math.ceil(state.total / pageSize));
      state.page = Math.min(state.page, pages);
      rows = sorted(state.all).slice((state.page - 1) * pageSize, state.page * pageSize);
    }
    state.rows = rows;
    table.replaceChildren(el("caption", { className: "muted", textContent: caption }), header(), body(rows));
    renderPager(pageSize);
  }

  return {
    node: root,
    refresh: () => refresh({ reload: true }),
    firstPage: () => { state.page = 1; return refresh({ reload: true }); },
  };
}
