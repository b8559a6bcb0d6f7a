// The account page. Signed out: sign in, register, ask for a reset link (then back to `?next=`). Signed in:
// profile, password change, loyalty balance, tier, progress to the next tier and points history, sign out
// here or everywhere.
import { api } from "/js/api.js";
import { element } from "/js/format.js";
import { dateTime, explain, t } from "/js/i18n.js";
import { session } from "/js/layout.js";

const notice = document.getElementById("notice");
const say = (text) => { notice.textContent = text; };
const fieldsOf = (form) => Object.fromEntries(new FormData(form).entries());
const next = new URLSearchParams(location.search).get("next");
/** Only a path in this shop, never another site. */
const safeNext = next && next.startsWith("/") && !next.startsWith("//") ? next : null;

const TIERS = { bronze: 0, silver: 5000, gold: 20000, platinum: 50000 };

async function showLoyalty() {
  const loyalty = await api("GET", "/loyalty");
  document.getElementById("loyalty-balance").textContent = t("account.balance", { n: loyalty.balance, tier: t(`tier.${loyalty.tier}`) });
  const bar = document.getElementById("tier-progress");
  let percent = 100;
  if (loyalty.nextTier) {
    const from = TIERS[loyalty.tier] ?? 0;
    const to = TIERS[loyalty.nextTier] ?? from + 1;
    percent = Math.max(0, Math.min(100, Math.round(((loyalty.lifetimePoints - from) / (to - from)) * 100)));
    document.getElementById("loyalty-next").textContent = t("account.next", { n: loyalty.pointsToNextTier, tier: t(`tier.${loyalty.nextTier}`) });
  } else {
    document.getElementById("loyalty-next").textContent = t("account.top");
  }
  bar.firstElementChild.style.width = `${percent}%`;
  bar.setAttribute("aria-valuenow", String(percent));
  bar.setAttribute("aria-label", document.getElementById("loyalty-next").textContent);
  const rows = loyalty.history.map((entry) => element("tr", {},
    element("td", { textContent: dateTime(entry.createdAt) }),
    element("td", { textContent: t(`loyalty.${entry.kind}`) }),
    element("td", { textContent: entry.points > 0 ? `+${entry.points}` : String(entry.points) })));
  document.getElementById("loyalty-history").replaceChildren(...(rows.length ? rows : [element("tr", {}, element("td", { textContent: t("account.noHistory") }))]));
}

function showSignedIn(me) {
  document.getElementById("hello").textContent = t("account.hello", { name: me.name });
  document.getElementById("me-email").textContent = me.email;
  const profile = document.getElementById("profile-form");
  profile.elements.name.value = me.name;
  profile.elements.phone.value = me.phone ?? "";
  document.getElementById("signed-in").hidden = false;
  document.getElementById("signed-out").hidden = true;
  showLoyalty().catch((error) => say(explain(error)));
}

function handle(id, action) {
  document.getElementById(id).addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await action(fieldsOf(event.target));
    } catch (error) {
      say(explain(error));
    }
  });
}

/** After signing in the page reloads (the header, cart and bell follow the new session), or goes to `next`. */
const signedIn = () => location.assign(safeNext ?? "/account.html");

handle("login-form", async ({ email, password }) => {
  await api("POST", "/auth/login", { email, password });
  signedIn();
});
handle("register-form", async ({ name, email, phone, password }) => {
  await api("POST", "/auth/register", { name, email, phone: phone || null, password });
  signedIn();
});
handle("forgot-form", async ({ email }) => {
  await api("POST", "/auth/password/forgot", { email });
  say(t("account.linkSent"));
});
handle("profile-form", async ({ name, phone }) => {
  showSignedIn(await api("PATCH", "/auth/me", { name, phone: phone || null }));
  say(t("account.saved"));
});
handle("password-form", async ({ currentPassword, newPassword }) => {
  await api("PATCH", "/auth/me", { currentPassword, newPassword });
  document.getElementById("password-form").reset();
  say(t("account.passwordSaved"));
});

async function signOut(path) {
  await api("POST", path).catch(() => null);
  location.assign("/account.html");
}
document.getElementById("sign-out").addEventListener("click", () => signOut("/auth/logout"));
document.getElementById("sign-out-all").addEventListener("click", () => signOut("/auth/logout-all"));

const me = await session;
if (me && safeNext) location.replace(safeNext);
else if (me) showSignedIn(me);
else document.getElementById("signed-out").hidden = false;
