// The milestones checklist: a tick box before each item of a `learner-checklist` list, remembered
// in this browser (localStorage) under the item's title. Without JavaScript the list stays a plain
// list; if storage is blocked, the boxes still tick but are forgotten on reload.
document.addEventListener("DOMContentLoaded", () => {
  const storageKey = (title) => `nn-fundamentals:checklist:${title}`;
  const read = (key) => { try { return localStorage.getItem(key); } catch { return null; } };
  const write = (key, done) => {
    try { done ? localStorage.setItem(key, "done") : localStorage.removeItem(key); } catch { /* storage blocked */ }
  };
  for (const item of document.querySelectorAll(".learner-checklist > ul > li")) {
    const title = (item.querySelector("strong") || item).textContent.trim();
    const box = document.createElement("input");
    box.type = "checkbox";
    box.className = "checklist-box";
    box.setAttribute("aria-label", `Done: ${title}`);
    box.checked = read(storageKey(title)) === "done";
    box.addEventListener("change", () => write(storageKey(title), box.checked));
    const text = document.createElement("div");
    text.append(...item.childNodes);
    item.append(box, text);
    item.classList.add("has-box");
  }
});
