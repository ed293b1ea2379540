// [n] in an answer opens its passage below, scrolls to it and flashes it. A plain "#" link would
// not open a folded <details> and would put the id in the address bar; Gradio strips inline
// handlers from messages, so one delegated listener does it for every answer.
document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest("a.rag-ref");
  if (!link) return;
  const target = document.getElementById(decodeURIComponent(link.hash.slice(1)));
  if (!target) return;
  event.preventDefault();
  event.stopPropagation();
  if (target.tagName === "DETAILS") target.open = true;
  target.scrollIntoView({ behavior: "smooth", block: "nearest" });
  target.classList.remove("rag-flash");
  void target.offsetWidth;  // restart the animation on a second click
  target.classList.add("rag-flash");
}, true);
