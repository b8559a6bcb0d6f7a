// The notification list: read one, read all, delete; it refreshes itself when the stream brings news.
import { api } from "/js/api.js";
import { element } from "/js/format.js";
import { dateTime, explain, t } from "/js/i18n.js";
import { noteText, session, toast } from "/js/layout.js";

const list = document.getElementById("notes");

function noteNode(note) {
  const text = noteText(note);
  const actions = element("div", { className: "line-actions" });
  if (!note.read) {
    const read = element("button", { type: "button", className: "secondary", textContent: t("notes.read") });
    read.addEventListener("click", () => act(() => api("POST", `/notifications/${note.id}/read`)));
    actions.append(read);
  }
  const remove = element("button", { type: "button", className: "secondary", textContent: t("common.remove") });
  remove.setAttribute("aria-label", `${t("common.remove")}: ${text.title}`);
  remove.addEventListener("click", () => act(() => api("DELETE", `/notifications/${note.id}`)));
  actions.append(remove);
  const title = note.link ? element("a", { href: note.link, textContent: text.title }) : text.title;
  return element("li", { className: note.read ? "note" : "note unread" },
    element("div", {}, element("p", {}, element("strong", {}, title)), element("p", { textContent: text.body }),
      element("p", { className: "hint", textContent: dateTime(note.createdAt) })),
    actions);
}

async function show() {
  const page = await api("GET", "/notifications?limit=50");
  list.replaceChildren(...page.items.map(noteNode));
  if (page.items.length === 0) list.append(element("li", { textContent: t("notes.none") }));
}

async function act(action) {
  try {
    await action();
  } catch (error) {
    toast(explain(error), { kind: "error" });
  }
  await show();
}

if (!(await session)) {
  location.replace("/account.html?next=/notifications.html");
} else {
  document.getElementById("read-all").addEventListener("click", () => act(() => api("POST", "/notifications/read-all")));
  window.addEventListener("klelite:notification", show);
  await show();
}
