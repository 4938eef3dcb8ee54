// Buttons above the article body for the plain-text markup editors use:
// **加粗**, [链接](https://…) and "### " subheads. No HTML is ever typed.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  const area = document.querySelector("textarea.article-body-editor");
  if (!area) return;
  const bar = document.createElement("div");
  bar.className = "body-toolbar";
  function wrap(before, after) {
    const start = area.selectionStart, end = area.selectionEnd;
    const chosen = area.value.slice(start, end);
    area.setRangeText(before + chosen + after, start, end, "end");
    area.focus();
  }
  const actions = {
    "加粗": function () { wrap("**", "**"); },
    "链接": function () {
      const url = window.prompt("链接地址(https://…)", "https://");
      if (url) wrap("[", "](" + url + ")");
    },
    "小标题": function () {
      const start = area.value.lastIndexOf("\n", area.selectionStart - 1) + 1;
      area.setRangeText("### ", start, start, "end");
      area.focus();
    },
  };
  Object.keys(actions).forEach(function (label) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = label;
    button.addEventListener("click", actions[label]);
    bar.appendChild(button);
  });
  area.parentNode.insertBefore(bar, area);
});
