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

// Gradio's own labels that its zh-CN bundle leaves in English (as of gradio 6.31): said in
// Chinese on a Chinese browser, as they appear (answers add copy buttons as they come).
const RAG_ZH = {
  "Copy message": "复制",
  "Copied message": "已复制",
  "Click to upload or drop files": "点击上传或拖放文件",
  "Reset to default value": "恢复默认值",
  "Clear": "清除",
};
// and text it writes in English whatever the language (its upload progress, its toasts' titles)
const RAG_ZH_TEXT = [
  [/^(\s*)Uploading (\d+)\s+files?\.\.\.(\s*)$/, "$1正在上传 $2 个文件…$3"],
  [/^(\s*)Error(\s*)$/, "$1出错了$2"],
  [/^(\s*)Warning(\s*)$/, "$1提示$2"],
];
const RAG_ZH_WORDS = /Uploading|Error|Warning/;
function ragTranslateText(node) {
  for (const [english, zh] of RAG_ZH_TEXT) {
    if (english.test(node.nodeValue)) node.nodeValue = node.nodeValue.replace(english, zh);
  }
}
function ragTranslate(el) {
  for (const attr of ["aria-label", "title"]) {
    const said = el.getAttribute && el.getAttribute(attr);
    if (said && RAG_ZH[said]) el.setAttribute(attr, RAG_ZH[said]);
  }
}
if ((navigator.language || "").toLowerCase().startsWith("zh")) {
  // only what changed is looked at: a streaming answer changes the page many times a second
  new MutationObserver((changes) => {
    for (const change of changes) {
      if (change.type === "attributes") ragTranslate(change.target);
      if (change.type === "characterData") ragTranslateText(change.target);
      for (const node of change.addedNodes) {
        if (node.nodeType === 3) ragTranslateText(node);
        if (node.nodeType !== 1) continue;
        ragTranslate(node);
        node.querySelectorAll("[aria-label], [title]").forEach(ragTranslate);
        if (!RAG_ZH_WORDS.test(node.textContent)) continue;
        const texts = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
        while (texts.nextNode()) ragTranslateText(texts.currentNode);
      }
    }
  }).observe(document.documentElement, { subtree: true, childList: true, characterData: true,
    attributes: true, attributeFilter: ["aria-label", "title"] });
}
